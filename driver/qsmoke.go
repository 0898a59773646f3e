package driver

import (
	"fmt"
	"math"
	"time"

	"github.com/meterwire/meterwire/mbus"
)

// qsmoke: Qundis smoke detectors. The smoke alarm is not in the status:
// the date of the last alarm (storage 6) and the alarm counter (a plain
// text unit "AL") say it; likewise the last test button press (storage 4)
// and its counter ("UI"). Dates the meter leaves all ones print as the
// reference prints them, normalised to a calendar date (2128-03-31). The
// transmission counter is the access number record, unsigned.
func init() {
	Register(&Driver{
		Name:   "qsmoke",
		Media:  "smoke detector",
		Detect: []Detect{{"QDS", 0x21, 0x1A}, {"QDS", 0x23, 0x1A}},
		Fields: []Field{
			{Name: "message_datetime", Match: Match{Quantity: "date_time"}, Text: true},
		},
		Payload: qsmokePayload,
	})
}

func qsmokePayload(recs []mbus.Record, _ []byte, out *Output) error {
	var flags []string
	if r := refFirst(recs, Match{Quantity: "error_flags"}); r != nil && r.Valid {
		flags = bitTexts(uint64(r.Int)&0xFFFF, nil, "ERROR_FLAGS")
	}
	out.Set("status", JoinStatus(flags, aptmbusnaTPLStatus(out.Telegram, nil)))
	dates := []struct {
		name string
		m    Match
	}{
		{"last_alarm_date", Match{Quantity: "date", Storage: 6}},
		{"test_button_last_date", Match{Quantity: "date", Storage: 4}},
		{"at_error_date", Match{Quantity: "date", Function: mbus.DuringError}},
	}
	for _, d := range dates {
		if r := refFirst(recs, d.m); r != nil {
			if s, ok := qsmokeDate(r.Data); ok {
				out.Set(d.name, s)
			}
		}
	}
	for _, c := range [][2]string{{"alarm_counter", "81037C034C4123"}, {"test_button_counter", "81027C03495523"}} {
		if r := keyRecord(recs, c[1]); r != nil && r.Valid {
			out.Set(c[0], float64(r.Int))
		}
	}
	if r := refFirst(recs, Match{Quantity: "access_number"}); r != nil && len(r.Data) > 0 && len(r.Data) <= 8 {
		var v uint64
		for i := len(r.Data) - 1; i >= 0; i-- {
			v = v<<8 | uint64(r.Data[i])
		}
		out.Set("transmission_counter", float64(v))
	}
	if r := keyRecord(recs, "02FDAC7E"); r != nil && r.Valid {
		if v, unit := r.DisplayValue(); unit == "s" {
			out.Set("some_sort_of_duration_h", math.Round(v/3600*1e6)/1e6)
		}
	}
	return nil
}

// qsmokeDate prints a type G date with its fields taken as they are and
// then normalised the way a calendar does (month 15 of 2127 is March
// 2128).
func qsmokeDate(d []byte) (string, bool) {
	if len(d) != 2 {
		return "", false
	}
	day, month := int(d[0]&0x1F), int(d[1]&0x0F)
	year := 2000 + int(d[0]>>5) + int(d[1]&0xF0)>>1
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	return fmt.Sprintf("%04d-%02d-%02d", t.Year(), int(t.Month()), t.Day()), true
}
