package main

import (
	_ "embed"
	"strings"
)

//go:embed examples.txt
var examplesTxt string

type example struct {
	name string
	key  []byte
	hex  string
}

// bundledExamples parses examples.txt: "name | key or - | hex" per line.
func bundledExamples() []example {
	var out []example
	for _, line := range strings.Split(examplesTxt, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.Split(line, "|")
		if len(parts) != 3 {
			continue
		}
		ex := example{name: strings.TrimSpace(parts[0]), hex: strings.TrimSpace(parts[2])}
		if k := strings.TrimSpace(parts[1]); k != "-" {
			ex.key, _ = parseKey(k)
		}
		out = append(out, ex)
	}
	return out
}
