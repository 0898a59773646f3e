package driver

import "testing"

func FuzzKampressPayload(f *testing.F) {
	em24FuzzPayload(f, kampressPayload, "22696600126967000269660005FF091954A33A05FF0A99BD823A02FD170800", "426C")
}
