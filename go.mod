module github.com/meterwire/meterwire

go 1.26
