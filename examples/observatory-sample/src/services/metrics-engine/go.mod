module metrics-engine

go 1.22
