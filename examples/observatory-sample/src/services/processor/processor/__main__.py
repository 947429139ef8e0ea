print("processor")
