Write-Host "all tests"
