package driver

import (
	"sort"
	"strconv"
	"strings"

	"github.com/meterwire/meterwire/wmbus"
)

// TPLStatus returns the texts of a telegram's TPL status byte (EN 13757-7
// STS): the low two bits are the application state (1 BUSY, 2 ERROR, 3
// ALARM), 0x04 POWER_LOW, 0x08 PERMANENT_ERROR, 0x10 TEMPORARY_ERROR; the
// manufacturer's bits 0x20, 0x40 and 0x80 take their text from named, else
// print as UNKNOWN_<hex of the bit>. Nil for a telegram without a TPL
// header or with STS 0.
func TPLStatus(t *wmbus.Telegram, named map[byte]string) []string {
	if t == nil || !t.TPL.Present || t.TPL.Header == wmbus.HeaderNone {
		return nil
	}
	sts := t.TPL.STS
	var out []string
	switch sts & 3 {
	case 1:
		out = append(out, "BUSY")
	case 2:
		out = append(out, "ERROR")
	case 3:
		out = append(out, "ALARM")
	}
	for _, b := range []struct {
		bit  byte
		text string
	}{{0x04, "POWER_LOW"}, {0x08, "PERMANENT_ERROR"}, {0x10, "TEMPORARY_ERROR"}, {0x20, ""}, {0x40, ""}, {0x80, ""}} {
		if sts&b.bit == 0 {
			continue
		}
		text := b.text
		if n, ok := named[b.bit]; ok {
			text = n
		}
		if text == "" {
			text = "UNKNOWN_" + strings.ToUpper(strconv.FormatUint(uint64(b.bit), 16))
		}
		out = append(out, text)
	}
	return out
}

// JoinStatus joins status texts the way the reference prints them: sorted,
// each once, separated by spaces; "OK" when there are none.
func JoinStatus(texts ...[]string) string {
	var all []string
	seen := map[string]bool{}
	for _, ts := range texts {
		for _, t := range ts {
			for _, w := range strings.Fields(t) {
				if w != "OK" && !seen[w] {
					seen[w] = true
					all = append(all, w)
				}
			}
		}
	}
	if len(all) == 0 {
		return "OK"
	}
	sort.Strings(all)
	return strings.Join(all, " ")
}
