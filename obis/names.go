package obis

// Info describes a known code.
type Info struct {
	// Name says what the value is, in English, e.g. "Electricity imported,
	// tariff 1".
	Name string
	// Unit is the unit the value usually has ("kWh", "kW", "V"); empty for
	// counts, texts, identifiers and timestamps. P1 meters that print a
	// number without a unit (smarty 1-0:3.7.0(00.000)) mean this unit.
	Unit string
}

// Lookup returns what is known about c. Codes of M-Bus channels (A = 0,
// B = 1..4 in DSMR) are looked up by their channel-1 entry, electricity
// codes with a channel B other than 0 (1-1:31.4.0 of smarty, 1-1:1.8.1 of
// the Sagemcom XT211) by their channel-0 entry.
func Lookup(c Code) (Info, bool) {
	if in, ok := names[c]; ok {
		return in, true
	}
	switch {
	case c[0] == 0 && c[1] > 1:
		in, ok := names[c.WithChannel(1)]
		return in, ok
	case c[0] == 1 && c[1] != 0:
		in, ok := names[c.WithChannel(0)]
		return in, ok
	}
	return Info{}, false
}

// Name returns the name of c, or "" when Lookup does not know it.
func (c Code) Name() string {
	in, _ := Lookup(c)
	return in.Name
}

func el(c, d, e byte) Code { return Code{1, 0, c, d, e, 255} }
func ab(c, d, e byte) Code { return Code{0, 0, c, d, e, 255} }
func mb(c, d, e byte) Code { return Code{0, 1, c, d, e, 255} }

// names holds the codes P1 telegrams use. Sources: DSMR P1 Companion
// Standard 5.0.2 section 6.12, Fluvius e-MUCS P1 v2.1.1, Luxmetering E-Meter
// P1 Specification v1.1.3, E.ON Hungary P1 interface description 2023.
var names = map[Code]Info{
	{1, 3, 0, 2, 8, 255}: {"P1 output version", ""},
	ab(96, 1, 4):         {"P1 output version (e-MUCS)", ""},
	ab(1, 0, 0):          {"Date and time of the telegram", ""},
	ab(96, 1, 1):         {"Equipment identifier", ""},
	ab(96, 1, 0):         {"Meter serial number", ""},
	ab(96, 1, 2):         {"EAN code of the connection point", ""},
	ab(96, 1, 255):       {"Equipment serial number", ""},
	ab(42, 0, 0):         {"Equipment identifier (COSEM logical device name)", ""},
	ab(0, 0, 0):          {"Meter identifier", ""},
	el(0, 0, 0):          {"Meter identifier", ""},
	el(96, 5, 5):         {"Meter status", ""},
	el(94, 32, 1):        {"Network type / phase configuration (e-MUCS)", ""},

	el(1, 8, 0):  {"Electricity imported, total", "kWh"},
	el(1, 8, 1):  {"Electricity imported, tariff 1", "kWh"},
	el(1, 8, 2):  {"Electricity imported, tariff 2", "kWh"},
	el(1, 8, 3):  {"Electricity imported, tariff 3", "kWh"},
	el(1, 8, 4):  {"Electricity imported, tariff 4", "kWh"},
	el(2, 8, 0):  {"Electricity exported, total", "kWh"},
	el(2, 8, 1):  {"Electricity exported, tariff 1", "kWh"},
	el(2, 8, 2):  {"Electricity exported, tariff 2", "kWh"},
	el(2, 8, 3):  {"Electricity exported, tariff 3", "kWh"},
	el(2, 8, 4):  {"Electricity exported, tariff 4", "kWh"},
	el(3, 8, 0):  {"Reactive energy imported (+R), total", "kvarh"},
	el(3, 8, 1):  {"Reactive energy imported (+R), tariff 1", "kvarh"},
	el(3, 8, 2):  {"Reactive energy imported (+R), tariff 2", "kvarh"},
	el(4, 8, 0):  {"Reactive energy exported (-R), total", "kvarh"},
	el(4, 8, 1):  {"Reactive energy exported (-R), tariff 1", "kvarh"},
	el(4, 8, 2):  {"Reactive energy exported (-R), tariff 2", "kvarh"},
	el(5, 8, 0):  {"Reactive energy, quadrant I", "kvarh"},
	el(6, 8, 0):  {"Reactive energy, quadrant II", "kvarh"},
	el(7, 8, 0):  {"Reactive energy, quadrant III", "kvarh"},
	el(8, 8, 0):  {"Reactive energy, quadrant IV", "kvarh"},
	el(15, 8, 0): {"Electricity, absolute sum |+A| + |-A|", "kWh"},

	el(1, 7, 0):  {"Power imported", "kW"},
	el(2, 7, 0):  {"Power exported", "kW"},
	el(3, 7, 0):  {"Reactive power imported (+R)", "kvar"},
	el(4, 7, 0):  {"Reactive power exported (-R)", "kvar"},
	el(5, 7, 0):  {"Reactive power, quadrant I", "kvar"},
	el(6, 7, 0):  {"Reactive power, quadrant II", "kvar"},
	el(7, 7, 0):  {"Reactive power, quadrant III", "kvar"},
	el(8, 7, 0):  {"Reactive power, quadrant IV", "kvar"},
	el(9, 7, 0):  {"Apparent power imported", "kVA"},
	el(10, 7, 0): {"Apparent power exported", "kVA"},
	el(13, 7, 0): {"Power factor", ""},
	el(14, 7, 0): {"Frequency", "Hz"},
	el(21, 7, 0): {"Power imported, L1", "kW"},
	el(41, 7, 0): {"Power imported, L2", "kW"},
	el(61, 7, 0): {"Power imported, L3", "kW"},
	el(22, 7, 0): {"Power exported, L1", "kW"},
	el(42, 7, 0): {"Power exported, L2", "kW"},
	el(62, 7, 0): {"Power exported, L3", "kW"},
	el(23, 7, 0): {"Reactive power imported, L1", "kvar"},
	el(43, 7, 0): {"Reactive power imported, L2", "kvar"},
	el(63, 7, 0): {"Reactive power imported, L3", "kvar"},
	el(24, 7, 0): {"Reactive power exported, L1", "kvar"},
	el(44, 7, 0): {"Reactive power exported, L2", "kvar"},
	el(64, 7, 0): {"Reactive power exported, L3", "kvar"},
	el(31, 7, 0): {"Current, L1", "A"},
	el(51, 7, 0): {"Current, L2", "A"},
	el(71, 7, 0): {"Current, L3", "A"},
	el(32, 7, 0): {"Voltage, L1", "V"},
	el(52, 7, 0): {"Voltage, L2", "V"},
	el(72, 7, 0): {"Voltage, L3", "V"},
	el(33, 7, 0): {"Power factor, L1", ""},
	el(53, 7, 0): {"Power factor, L2", ""},
	el(73, 7, 0): {"Power factor, L3", ""},

	el(32, 32, 0): {"Voltage sags, L1", ""},
	el(52, 32, 0): {"Voltage sags, L2", ""},
	el(72, 32, 0): {"Voltage sags, L3", ""},
	el(32, 36, 0): {"Voltage swells, L1", ""},
	el(52, 36, 0): {"Voltage swells, L2", ""},
	el(72, 36, 0): {"Voltage swells, L3", ""},
	ab(96, 7, 21): {"Power failures in any phase", ""},
	ab(96, 7, 9):  {"Long power failures in any phase", ""},
	el(99, 97, 0): {"Power failure event log (end time, duration)", ""},
	ab(96, 7, 19): {"Power failure event (end time, duration)", ""},

	el(1, 4, 0):   {"Average demand imported, current quarter hour", "kW"},
	el(1, 6, 0):   {"Maximum demand imported, this month", "kW"},
	ab(98, 1, 0):  {"Maximum demand history (last 13 months)", ""},
	ab(96, 14, 0): {"Tariff indicator", ""},
	ab(96, 3, 10): {"Breaker state", ""},
	ab(17, 0, 0):  {"Limiter threshold", ""},
	el(31, 4, 0):  {"Current limit (fuse supervision threshold), L1", "A"},
	el(51, 4, 0):  {"Current limit (fuse supervision threshold), L2", "A"},
	el(71, 4, 0):  {"Current limit (fuse supervision threshold), L3", "A"},
	ab(96, 13, 0): {"Text message", ""},
	ab(96, 13, 1): {"Numeric message", ""},
	ab(96, 13, 2): {"Text message 2", ""},
	ab(96, 13, 3): {"Text message 3", ""},
	ab(96, 13, 4): {"Text message 4", ""},
	ab(96, 13, 5): {"Text message 5", ""},

	mb(24, 1, 0):  {"M-Bus device type", ""},
	mb(96, 1, 0):  {"M-Bus equipment identifier", ""},
	mb(96, 1, 1):  {"M-Bus equipment identifier", ""},
	mb(96, 1, 2):  {"M-Bus EAN code", ""},
	mb(24, 2, 1):  {"M-Bus last reading (capture time, value)", ""},
	mb(24, 2, 3):  {"M-Bus last reading, not temperature corrected (capture time, value)", ""},
	mb(24, 3, 0):  {"M-Bus reading profile (DSMR 2.2/3; the value follows on the next line)", ""},
	mb(24, 4, 0):  {"M-Bus valve position", ""},
	mb(96, 3, 10): {"M-Bus breaker/valve state", ""},
}
