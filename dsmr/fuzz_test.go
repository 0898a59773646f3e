package dsmr

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/meterwire/meterwire/codec"
)

func addCorpusSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

func checkErr(t *testing.T, err error, allowed ...error) {
	t.Helper()
	var ce *codec.Error
	if !errors.As(err, &ce) || ce.Layer != Layer {
		t.Fatalf("error %v (%T) is not a *codec.Error of layer p1", err, err)
	}
	n := 0
	for _, s := range allowed {
		if errors.Is(err, s) {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("error %v does not wrap exactly one of %v", err, allowed)
	}
	_ = err.Error()
}

func FuzzParse(f *testing.F) {
	addCorpusSeeds(f)
	f.Add([]byte("/"))
	f.Add([]byte("/ABC\n(1)\n1-0:1.8.1(1)(\n!zz"))
	f.Add([]byte("/ABC5\r\n\r\n0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)\r\n(1.0)\r\n!\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tel, err := Parse(b)
		if err != nil {
			checkErr(t, err, codec.ErrTruncated, codec.ErrMalformed)
			if tel == nil {
				return
			}
		}
		if tel == nil {
			t.Fatal("nil telegram without error")
		}
		checkInvariants(t, tel)
		if errors.Is(err, codec.ErrMalformed) && len(tel.Unparsed) == 0 {
			t.Fatal("ErrMalformed without unparsed lines")
		}
		if err == nil && len(tel.Unparsed) != 0 {
			t.Fatal("unparsed lines without error")
		}
		_ = tel.Fields()
		_ = tel.MBus()
		_ = tel.PowerFailures()
		_ = tel.MaxDemandHistory()
		for _, l := range tel.Layers() {
			for _, fl := range l.Fields {
				if fl.Offset < 0 || fl.Len < 0 || fl.Offset+fl.Len > len(b) {
					t.Fatalf("field %s at %d+%d outside %d bytes", fl.Name, fl.Offset, fl.Len, len(b))
				}
			}
		}
		// Parse of a prefix of a whole telegram must not panic either
		if tel.End > 0 && tel.End <= len(b) {
			_, _ = Parse(b[:tel.End/2])
		}
	})
}

func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		"1-0:1.8.1(000004.426*kWh)", "1-1:31.4.0(100.0*A,-100.0*A)", "0-0:96.13.0()",
		"0-1:24.2.1(170102161005W)(00000.107*m3)", "1-0:99:97.0(2)(0:96.7.19)(101208152415W)(0000000240*s)",
		"0-0:96.13.0(48656C6C6F)", "1-0:1.8.0*255(00032549.5061662*kWh)", "x", "1-0:1.8.1(5",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		o, err := ParseLine(line, nil)
		if err != nil {
			checkErr(t, err, codec.ErrMalformed)
			return
		}
		if o.Offset < 0 || o.Offset+o.Len > len(line) || line[o.Offset:o.Offset+len(o.OBIS)] != o.OBIS {
			t.Fatalf("object range %d+%d", o.Offset, o.Len)
		}
		for _, v := range o.Values {
			if v.Offset < 1 || v.Offset+len(v.Raw) >= len(line)+1 || line[v.Offset:v.Offset+len(v.Raw)] != v.Raw {
				t.Fatalf("value %q at %d", v.Raw, v.Offset)
			}
			if v.IsTime && v.IsNumber {
				t.Fatalf("value %q both time and number", v.Raw)
			}
		}
		_ = o.Main()
	})
}

// splitAll runs split over data as if it all arrived at once, then ends it.
func splitAll(data []byte) [][]byte {
	var out [][]byte
	for _, eof := range []bool{false, true} {
		for len(data) > 0 {
			adv, tok, err := Split(data, eof)
			if err != nil {
				panic(err)
			}
			if tok != nil {
				out = append(out, bytes.Clone(tok))
			}
			if adv == 0 && tok == nil {
				break
			}
			data = data[adv:]
		}
	}
	return out
}

func FuzzSplit(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.txt")
	var all []byte
	for _, file := range files {
		b, _ := os.ReadFile(file)
		f.Add(b, byte(7))
		all = append(all, b...)
		all = append(all, 0xFF, '/', '!')
	}
	f.Add(all, byte(1))
	f.Add([]byte("/ABC\n!"), byte(0))
	f.Add([]byte("/ABC\n1(/ABC\n!\n/DEF\n!12345\r\r\n"), byte(2))
	f.Fuzz(func(t *testing.T, data []byte, seed byte) {
		whole := splitAll(data)
		for _, tok := range whole {
			if len(tok) == 0 || tok[0] != '/' {
				t.Fatalf("token does not start with '/': %q", tok)
			}
			if !hasBangLine(tok) {
				t.Fatalf("token without a '!' line: %q", tok)
			}
			if len(tok) > MaxTelegramSize+maxHeaderLen+16 {
				t.Fatalf("token of %d bytes", len(tok))
			}
			if _, err := Parse(tok); err != nil && !errors.Is(err, codec.ErrMalformed) {
				t.Fatalf("Parse of a token: %v", err)
			}
		}
		// A framer that asks TelegramAt at every '/' finds the same.
		var at [][]byte
		for i := 0; i < len(data); {
			if data[i] != '/' {
				i++
				continue
			}
			n, more := TelegramAt(data[i:], true)
			if more {
				t.Fatal("TelegramAt wants more at EOF")
			}
			if n == 0 {
				i++
				continue
			}
			at = append(at, data[i:i+n])
			i += n
		}
		if len(at) != len(whole) {
			t.Fatalf("TelegramAt: %d telegrams, Split: %d", len(at), len(whole))
		}
		for i := range whole {
			if !bytes.Equal(whole[i], at[i]) {
				t.Fatalf("telegram %d differs:\n%q\n%q", i, whole[i], at[i])
			}
		}
		// The same stream in chunks gives the same telegrams.
		var fr Framer
		var chunked [][]byte
		size := int(seed%64) + 1
		for rest := data; len(rest) > 0; {
			n := min(size, len(rest))
			fr.Write(rest[:n])
			rest = rest[n:]
			for tok := fr.Next(); tok != nil; tok = fr.Next() {
				chunked = append(chunked, tok)
			}
			size = size*7%61 + 1
		}
		for tok := fr.Flush(); tok != nil; tok = fr.Flush() {
			chunked = append(chunked, tok)
		}
		if len(chunked) != len(whole) {
			t.Fatalf("chunked: %d telegrams, at once: %d", len(chunked), len(whole))
		}
		for i := range whole {
			if !bytes.Equal(whole[i], chunked[i]) {
				t.Fatalf("telegram %d differs:\n%q\n%q", i, whole[i], chunked[i])
			}
		}
		if fr.Buffered() != 0 {
			t.Fatalf("%d bytes left after Flush", fr.Buffered())
		}
		var tokLen int
		for _, tok := range whole {
			tokLen += len(tok)
		}
		if int64(tokLen)+fr.Dropped() != int64(len(data)) {
			t.Fatalf("%d bytes in tokens + %d dropped != %d", tokLen, fr.Dropped(), len(data))
		}
	})
}

// hasBangLine reports a line that starts with '!' after optional blanks.
func hasBangLine(tok []byte) bool {
	for _, l := range bytes.Split(tok, []byte("\n"))[1:] {
		if t := bytes.TrimLeft(l, " \t\r"); len(t) > 0 && t[0] == '!' {
			return true
		}
	}
	return false
}
