package imst

import "io"

func bufioEOF() error { return io.EOF }
