package dsmr

import "github.com/meterwire/meterwire/crc16"

// checksum returns the CRC-16/ARC of p (the P1 telegram CRC).
func checksum(p []byte) uint16 { return crc16.Checksum(p, crc16.ARC) }
