package driver

import "testing"

func FuzzEngelmannFawPayload(f *testing.F) {
	em24FuzzPayload(f, engelmannFAWPayload, "2F2F2D056FF33F3CF67D0300")
}
