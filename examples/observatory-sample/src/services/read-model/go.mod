module read-model

go 1.22
