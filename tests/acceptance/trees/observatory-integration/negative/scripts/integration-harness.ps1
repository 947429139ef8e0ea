param([int]$RuntimeBudgetSec = 300)
$composeFile = "docker-compose.integration.yml"
docker compose -f $composeFile up -d
kubectl wait --for=condition=ready pod -l app=api
docker compose -f $composeFile logs --tail=200 2>&1 | Out-File compose-logs.txt
docker compose -f $composeFile down
