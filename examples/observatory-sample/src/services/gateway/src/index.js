console.log("gateway")
