package codec

import (
	"errors"
	"testing"
)

func TestErrorMessageAndUnwrap(t *testing.T) {
	e := &Error{Layer: "tpl", Offset: 15, Meter: "12345678 (ELS)", Err: ErrNoKey, Detail: "add the meter's key"}
	if got, want := e.Error(), "tpl at offset 15: no key for meter 12345678 (ELS): add the meter's key"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if !errors.Is(e, ErrNoKey) || errors.Is(e, ErrWrongKey) {
		t.Fatal("Unwrap")
	}
	if got := (&Error{Offset: -1, Err: ErrTruncated}).Error(); got != "truncated" {
		t.Fatalf("minimal: %q", got)
	}
	if got := (&Error{Layer: "dll", Offset: -1, Err: ErrCRC}).Error(); got != "dll: CRC mismatch" {
		t.Fatalf("no offset: %q", got)
	}
}
