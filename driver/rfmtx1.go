package driver

import (
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// rfmtx1: BMeters RFM-TX1 water meter radio modules. They send a
// proprietary layout (the TPL configuration claims a security mode meant
// for it): the volume is four scrambled bytes after the TPL header and two
// more bytes, each unscrambled by XOR with the access number and a value
// from a table row the access number's low nibble picks; the bytes are
// then two BCD digits each (litres, least significant first). The meter's
// date and time follow as BCD bytes (second, minute, hour, day, month,
// year). Offsets count from the frame's L byte.
func init() {
	Register(&Driver{
		Name:    "rfmtx1",
		Media:   "water",
		Detect:  []Detect{{"BMT", 0x05, 0x07}},
		Payload: rfmtx1Payload,
	})
}

// rfmtx1Rows are the values XORed into the four volume bytes, by row.
var rfmtx1Rows = [16][4]byte{
	{122, 16, 26, 10}, {112, 19, 34, 19}, {185, 11, 142, 153}, {121, 7, 74, 22},
	{7, 154, 203, 105}, {50, 161, 57, 14}, {156, 126, 96, 153}, {180, 196, 128, 163},
	{10, 206, 25, 3}, {240, 5, 165, 134}, {22, 152, 17, 94}, {12, 201, 125, 162},
	{74, 72, 228, 31}, {119, 46, 138, 232}, {189, 120, 87, 140}, {57, 111, 40, 5},
}

const (
	rfmtx1KeyAt    = 11 // the access number
	rfmtx1VolumeAt = 17
	rfmtx1TimeAt   = 28 // second, minute, hour, day, month, year
	rfmtx1MinLen   = rfmtx1TimeAt + 6
)

func rfmtx1Payload(_ []mbus.Record, _ []byte, out *Output) error {
	if out.Telegram == nil || len(out.Telegram.Frame) < rfmtx1MinLen {
		return nil
	}
	f := out.Telegram.Frame
	key := f[rfmtx1KeyAt]
	row := rfmtx1Rows[key&15]
	litres, scale := 0, 1
	for i := 0; i < 4; i++ {
		d := f[rfmtx1VolumeAt+i] ^ key ^ row[i]
		litres += rfmtx1BCD(d) * scale
		scale *= 100
	}
	out.Set("total_m3", float64(litres)/1000)
	t := f[rfmtx1TimeAt : rfmtx1TimeAt+6]
	sec, minute, hour := rfmtx1BCD(t[0]), rfmtx1BCD(t[1]), rfmtx1BCD(t[2])
	day, month, year := rfmtx1BCD(t[3]), rfmtx1BCD(t[4]), rfmtx1BCD(t[5])
	out.Set("meter_datetime", rfmtx1LocalTime(year, month, day, hour*3600+minute*60+sec))
	return nil
}

// rfmtx1BCD is a byte's two BCD digits as a number (digits above 9 are
// taken as they are, as the reference does).
func rfmtx1BCD(b byte) int { return int(b>>4)*10 + int(b&15) }

// rfmtx1LocalTime prints the meter time the way the reference computes
// it: midnight of the first of the month in Central European time, plus
// whole 24-hour days and the seconds of the day as elapsed time, printed
// in local time again. A change to or from summer time between the first
// of the month and the day shifts the printed hour, as it does in the
// reference's output.
func rfmtx1LocalTime(year, month, day, secs int) string {
	first := time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC).AddDate(0, year*12+month-1, 0)
	start := first.Add(-time.Duration(rfmtx1CETOffset(first.Add(-time.Hour))) * time.Hour)
	at := start.Add(time.Duration(day-1)*24*time.Hour + time.Duration(secs)*time.Second)
	local := at.Add(time.Duration(rfmtx1CETOffset(at)) * time.Hour)
	return local.Format("2006-01-02 15:04")
}

// rfmtx1CETOffset is the offset from UTC in hours of Central European
// time at instant t (UTC): 2 from the last Sunday of March 01:00 UTC to
// the last Sunday of October 01:00 UTC, else 1.
func rfmtx1CETOffset(t time.Time) int {
	y := t.Year()
	if t.Before(rfmtx1LastSunday(y, time.March)) || !t.Before(rfmtx1LastSunday(y, time.October)) {
		return 1
	}
	return 2
}

// rfmtx1LastSunday is 01:00 UTC on the last Sunday of month in year.
func rfmtx1LastSunday(year int, month time.Month) time.Time {
	d := time.Date(year, month+1, 0, 1, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -int(d.Weekday()))
}
