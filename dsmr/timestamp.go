package dsmr

import (
	"time"
	_ "time/tzdata" // the country time zones must work in a static binary without /usr/share/zoneinfo
)

// ParseTimestamp reads a P1 timestamp YYMMDDhhmmssX in loc: X is 'S' when
// the meter's clock shows summer (daylight saving) time and 'W' when it
// shows winter (standard) time; lower case is accepted. In the autumn hour
// that occurs twice, S picks the first instant and W the second. A flag
// that contradicts the date (S in January) is ignored, and so is a missing
// flag (DSMR 2.2 profile timestamps YYMMDDhhmmss). Two-digit years 69..99
// are 1969..1999 and 00..68 are 2000..2068 (POSIX and Python's rule), so
// the "not set" stamp 700101010000W some meters print reads as 1970.
func ParseTimestamp(s string, loc *time.Location) (time.Time, bool) {
	var flag byte
	switch len(s) {
	case 13:
		flag = s[12]
		switch flag {
		case 's':
			flag = 'S'
		case 'w':
			flag = 'W'
		case 'S', 'W':
		default:
			return time.Time{}, false
		}
	case 12:
	default:
		return time.Time{}, false
	}
	if !allDigits(s[:12]) {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	d2 := func(i int) int { return int(s[i]-'0')*10 + int(s[i+1]-'0') }
	y, mo, d, h, mi, sec := d2(0), d2(2), d2(4), d2(6), d2(8), d2(10)
	if y < 69 {
		y += 2000
	} else {
		y += 1900
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	return wallToInstant(y, time.Month(mo), d, h, mi, sec, flag, loc), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// wallToInstant turns a wall-clock time of loc into an instant, using the
// S/W flag to choose between the offsets in effect around a transition.
// Offsets are compared by size, not by the zone's DST bit: Europe/Dublin's
// zone data marks winter (GMT) as the "daylight saving" period.
func wallToInstant(y int, mo time.Month, d, h, mi, s int, flag byte, loc *time.Location) time.Time {
	wall := time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	_, offA := wall.Add(-12 * time.Hour).In(loc).Zone()
	_, offB := wall.Add(12 * time.Hour).In(loc).Zone()
	if offA == offB || flag == 0 {
		return time.Date(y, mo, d, h, mi, s, 0, loc)
	}
	summer, winter := max(offA, offB), min(offA, offB)
	first, second := winter, summer
	if flag == 'S' {
		first, second = summer, winter
	}
	t := wall.Add(-time.Duration(first) * time.Second).In(loc)
	if sameWall(t, wall) {
		return t
	}
	if u := wall.Add(-time.Duration(second) * time.Second).In(loc); sameWall(u, wall) {
		return u // the flag contradicts the clock; the wall time wins
	}
	return t // in the spring gap: follow the flag
}

func sameWall(t, wall time.Time) bool {
	y, m, d := t.Date()
	h, mi, s := t.Clock()
	wy, wm, wd := wall.Date()
	wh, wmi, ws := wall.Clock()
	return y == wy && m == wm && d == wd && h == wh && mi == wmi && s == ws
}
