param([int]$RuntimeBudgetSec = 180)
$composeFile = "docker-compose.integration.yml"
try {
    docker compose -f $composeFile up -d
    Write-Host "proofs { run } here"
} finally {
    docker compose -f $composeFile logs --tail=200 2>&1 | Out-File compose-logs.txt
    docker compose -f $composeFile down
}
