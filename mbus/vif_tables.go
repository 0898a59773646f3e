package mbus

// VIF code tables of EN 13757-3:2018 (Table 10 primary VIF, Table 12 main
// extension 0xFD, Table 14 alternate extension 0xFB) and OMS Vol.2 Annex B.
//
// Each table is written as ranges of codes that share a quantity; init
// expands them into 128-entry arrays so that vifInfo is one index per byte.
// Every code was checked against libmbus (mbus-protocol-aux.c vif_table),
// jMBus (DataRecord.java), pyMeterBus (codec/vif.py), m-bus-parser
// (value_information.rs) and wmbusmeters (dvparser.h); where they disagree
// the comment says so and the table follows EN 13757-3:2018 / OMS.

// How a range derives Unit and Exp from the code.
const (
	kFixed    uint8 = iota // Unit and Exp as given
	kScaled                // Exp = exp + (code - lo)
	kTime                  // Unit = s, min, h, d by code & 3; Exp 0
	kLongTime              // Unit = h, d, month, year by code & 3; Exp 0
)

var (
	timeUnits     = [4]string{"s", "min", "h", "d"}
	longTimeUnits = [4]string{"h", "d", "month", "year"}
)

// vifRange is one row of a VIF table: codes lo..hi (extension bit clear).
type vifRange struct {
	lo, hi uint8
	kind   uint8
	exp    int8
	typ    ValueType
	q      string // VIFInfo.Quantity
	unit   string // VIFInfo.Unit (kFixed, kScaled)
	desc   string // VIFInfo.Description
}

// vifEntry is one expanded table entry; ok is false for reserved codes.
type vifEntry struct {
	q, desc, unit string
	exp           int8
	typ           ValueType
	ok            bool
}

// primaryRanges: EN 13757-3:2018 Table 10. 0x7B, 0x7C, 0x7D and 0x7F are
// handled by vifInfo itself (extension tables, plain text, manufacturer).
var primaryRanges = []vifRange{
	{0x00, 0x07, kScaled, -3, TypeNumber, "energy", "Wh", "Energy"},
	{0x08, 0x0F, kScaled, 0, TypeNumber, "energy", "J", "Energy"},
	{0x10, 0x17, kScaled, -6, TypeNumber, "volume", "m3", "Volume"},
	{0x18, 0x1F, kScaled, -3, TypeNumber, "mass", "kg", "Mass"},
	{0x20, 0x23, kTime, 0, TypeNumber, "on_time", "", "On time"},
	{0x24, 0x27, kTime, 0, TypeNumber, "operating_time", "", "Operating time"},
	{0x28, 0x2F, kScaled, -3, TypeNumber, "power", "W", "Power"},
	{0x30, 0x37, kScaled, 0, TypeNumber, "power", "J/h", "Power"},
	{0x38, 0x3F, kScaled, -6, TypeNumber, "volume_flow", "m3/h", "Volume flow"},
	{0x40, 0x47, kScaled, -7, TypeNumber, "volume_flow", "m3/min", "Volume flow"},
	{0x48, 0x4F, kScaled, -9, TypeNumber, "volume_flow", "m3/s", "Volume flow"},
	{0x50, 0x57, kScaled, -3, TypeNumber, "mass_flow", "kg/h", "Mass flow"},
	{0x58, 0x5B, kScaled, -3, TypeNumber, "flow_temperature", "C", "Flow temperature"},
	{0x5C, 0x5F, kScaled, -3, TypeNumber, "return_temperature", "C", "Return temperature"},
	{0x60, 0x63, kScaled, -3, TypeNumber, "temperature_difference", "K", "Temperature difference"},
	{0x64, 0x67, kScaled, -3, TypeNumber, "external_temperature", "C", "External temperature"},
	{0x68, 0x6B, kScaled, -3, TypeNumber, "pressure", "bar", "Pressure"},
	{0x6C, 0x6C, kFixed, 0, TypeDate, "date", "", "Date"},
	// Type F (4 bytes), I (6 bytes) or J (3 bytes): the data field says which.
	{0x6D, 0x6D, kFixed, 0, TypeDateTime, "date_time", "", "Date and time"},
	{0x6E, 0x6E, kFixed, 0, TypeNumber, "hca", "", "Units for heat cost allocation"},
	// 0x6F reserved.
	{0x70, 0x73, kTime, 0, TypeNumber, "averaging_duration", "", "Averaging duration"},
	// libmbus labels 0x74-0x77 "Averaging Duration" and pyMeterBus reads
	// 0x75-0x77 as manufacturer / enhanced id / bus address: both wrong,
	// E111 01nn is the actuality duration (jMBus, m-bus-parser agree).
	{0x74, 0x77, kTime, 0, TypeNumber, "actuality_duration", "", "Actuality duration"},
	{0x78, 0x78, kFixed, 0, TypeID, "fabrication_no", "", "Fabrication number"},
	{0x79, 0x79, kFixed, 0, TypeID, "enhanced_id", "", "Enhanced identification"},
	{0x7A, 0x7A, kFixed, 0, TypeID, "bus_address", "", "Bus address"},
	{0x7E, 0x7E, kFixed, 0, TypeNumber, "any", "", "Any VIF (readout selection)"},
}

// fdRanges: EN 13757-3:2018 Table 12, the first VIFE after VIF 0xFD.
// 0x7D (second extension, Table 13) is handled by vifInfo.
var fdRanges = []vifRange{
	// Currency units of the nominal local legal currency, 10^(nn-3).
	{0x00, 0x03, kScaled, -3, TypeNumber, "credit", "currency", "Credit"},
	{0x04, 0x07, kScaled, -3, TypeNumber, "debit", "currency", "Debit"},
	// Named "unique message identification" since EN 13757-3:2013.
	{0x08, 0x08, kFixed, 0, TypeNumber, "access_number", "", "Access number (unique message identification)"},
	// Named "device type" since EN 13757-3:2013 (pyMeterBus, libmbus).
	{0x09, 0x09, kFixed, 0, TypeNumber, "medium", "", "Medium (device type)"},
	{0x0A, 0x0A, kFixed, 0, TypeBinary, "manufacturer", "", "Manufacturer"},
	{0x0B, 0x0B, kFixed, 0, TypeID, "parameter_set_id", "", "Parameter set identification"},
	// libmbus describes 0x0C as "Device type": a typo, the comment beside
	// it and every other source say model / version.
	{0x0C, 0x0C, kFixed, 0, TypeID, "model_version", "", "Model / version"},
	{0x0D, 0x0D, kFixed, 0, TypeID, "hardware_version", "", "Hardware version"},
	{0x0E, 0x0E, kFixed, 0, TypeID, "firmware_version", "", "Firmware (metrology) version"},
	{0x0F, 0x0F, kFixed, 0, TypeID, "software_version", "", "Other software version"},
	{0x10, 0x10, kFixed, 0, TypeID, "customer_location", "", "Customer location"},
	{0x11, 0x11, kFixed, 0, TypeID, "customer", "", "Customer"},
	{0x12, 0x12, kFixed, 0, TypeID, "access_code_user", "", "Access code user"},
	{0x13, 0x13, kFixed, 0, TypeID, "access_code_operator", "", "Access code operator"},
	{0x14, 0x14, kFixed, 0, TypeID, "access_code_system_operator", "", "Access code system operator"},
	{0x15, 0x15, kFixed, 0, TypeID, "access_code_developer", "", "Access code developer"},
	{0x16, 0x16, kFixed, 0, TypeBinary, "password", "", "Password"},
	{0x17, 0x17, kFixed, 0, TypeBinary, "error_flags", "", "Error flags"},
	{0x18, 0x18, kFixed, 0, TypeBinary, "error_mask", "", "Error mask"},
	// libmbus: reserved (older edition); jMBus, pyMeterBus, m-bus-parser
	// and EN 13757-3:2018: security key.
	{0x19, 0x19, kFixed, 0, TypeBinary, "security_key", "", "Security key"},
	{0x1A, 0x1A, kFixed, 0, TypeBinary, "digital_output", "", "Digital output"},
	{0x1B, 0x1B, kFixed, 0, TypeBinary, "digital_input", "", "Digital input"},
	{0x1C, 0x1C, kFixed, 0, TypeNumber, "baudrate", "baud", "Baud rate"},
	{0x1D, 0x1D, kFixed, 0, TypeNumber, "response_delay", "bit_times", "Response delay time"},
	{0x1E, 0x1E, kFixed, 0, TypeNumber, "retry", "", "Retry"},
	// libmbus: reserved; the others and EN 13757-3:2018: remote control.
	{0x1F, 0x1F, kFixed, 0, TypeBinary, "remote_control", "", "Remote control"},
	{0x20, 0x20, kFixed, 0, TypeNumber, "first_storage_number", "", "First storage number for cyclic storage"},
	{0x21, 0x21, kFixed, 0, TypeNumber, "last_storage_number", "", "Last storage number for cyclic storage"},
	{0x22, 0x22, kFixed, 0, TypeNumber, "storage_block_size", "", "Size of storage block"},
	// libmbus, jMBus: reserved; pyMeterBus, m-bus-parser, EN 13757-3:2018:
	// descriptor for tariff and subunit.
	{0x23, 0x23, kFixed, 0, TypeBinary, "tariff_subunit_descriptor", "", "Descriptor for tariff and subunit"},
	{0x24, 0x27, kTime, 0, TypeNumber, "storage_interval", "", "Storage interval"},
	{0x28, 0x28, kFixed, 0, TypeNumber, "storage_interval", "month", "Storage interval"},
	{0x29, 0x29, kFixed, 0, TypeNumber, "storage_interval", "year", "Storage interval"},
	// libmbus: 0x2A, 0x2B reserved (older edition).
	{0x2A, 0x2A, kFixed, 0, TypeBinary, "operator_specific_data", "", "Operator specific data"},
	{0x2B, 0x2B, kFixed, 0, TypeNumber, "time_point_second", "s", "Time point second (0 to 59)"},
	{0x2C, 0x2F, kTime, 0, TypeNumber, "duration_since_readout", "", "Duration since last readout"},
	// Start of tariff: type G or F by the data field. jMBus decodes 0x30 as
	// a tariff duration in seconds (its mask 0x7C also catches 0x30),
	// libmbus's table says "Reserved ????" (its decoder treats it as a
	// date), m-bus-parser says HCA units: EN 13757-3:2018, pyMeterBus:
	// start (date/time) of tariff.
	{0x30, 0x30, kFixed, 0, TypeDateTime, "tariff_start", "", "Start (date/time) of tariff"},
	// nn = 01..11: minutes to days. libmbus describes these as "Storage
	// interval" (copy-paste slip; its own comment says duration of tariff).
	{0x31, 0x33, kTime, 0, TypeNumber, "tariff_duration", "", "Duration of tariff"},
	{0x34, 0x37, kTime, 0, TypeNumber, "tariff_period", "", "Period of tariff"},
	{0x38, 0x38, kFixed, 0, TypeNumber, "tariff_period", "month", "Period of tariff"},
	{0x39, 0x39, kFixed, 0, TypeNumber, "tariff_period", "year", "Period of tariff"},
	{0x3A, 0x3A, kFixed, 0, TypeNumber, "dimensionless", "", "Dimensionless / no VIF"},
	// 0x3B and 0x3C-0x3F: EN 13757-3:2018 and pyMeterBus; libmbus has them
	// reserved, m-bus-parser puts the container at 0x31 and the
	// transmission period at 0x32-0x35 (clashing with the tariff codes).
	{0x3B, 0x3B, kFixed, 0, TypeBinary, "wmbus_data_container", "", "Data container for wireless M-Bus protocol"},
	{0x3C, 0x3F, kTime, 0, TypeNumber, "transmission_period", "", "Period of nominal data transmissions"},
	// m-bus-parser puts volts at 0x50-0x5F (over the amperes): wrong;
	// libmbus, jMBus, pyMeterBus and wmbusmeters agree on 0x40-0x4F.
	{0x40, 0x4F, kScaled, -9, TypeNumber, "voltage", "V", "Voltage"},
	{0x50, 0x5F, kScaled, -12, TypeNumber, "current", "A", "Current"},
	{0x60, 0x60, kFixed, 0, TypeNumber, "reset_counter", "", "Reset counter"},
	{0x61, 0x61, kFixed, 0, TypeNumber, "cumulation_counter", "", "Cumulation counter"},
	{0x62, 0x62, kFixed, 0, TypeBinary, "control_signal", "", "Control signal"},
	{0x63, 0x63, kFixed, 0, TypeNumber, "day_of_week", "", "Day of week"},
	{0x64, 0x64, kFixed, 0, TypeNumber, "week_number", "", "Week number"},
	{0x65, 0x65, kFixed, 0, TypeNumber, "day_change_time_point", "", "Time point of day change"},
	{0x66, 0x66, kFixed, 0, TypeBinary, "parameter_activation_state", "", "State of parameter activation"},
	{0x67, 0x67, kFixed, 0, TypeBinary, "special_supplier_info", "", "Special supplier information"},
	{0x68, 0x6B, kLongTime, 0, TypeNumber, "duration_since_cumulation", "", "Duration since last cumulation"},
	// m-bus-parser gives 0x6F hours: a slip, E110 1111 is years.
	{0x6C, 0x6F, kLongTime, 0, TypeNumber, "battery_operating_time", "", "Operating time battery"},
	// libmbus: 0x71-0x7F reserved (older edition); jMBus leaves 0x70, 0x72,
	// 0x73 "NOT_SUPPORTED"; pyMeterBus calls 0x71 dimensionless.
	{0x70, 0x70, kFixed, 0, TypeDateTime, "battery_change_date", "", "Date and time of battery change"},
	{0x71, 0x71, kFixed, 0, TypeNumber, "rssi", "dBm", "RF level"},
	{0x72, 0x72, kFixed, 0, TypeBinary, "daylight_saving", "", "Daylight saving (beginning, ending, deviation)"},
	{0x73, 0x73, kFixed, 0, TypeBinary, "listening_window", "", "Listening window management"},
	{0x74, 0x74, kFixed, 0, TypeNumber, "remaining_battery_lifetime", "d", "Remaining battery lifetime"},
	{0x75, 0x75, kFixed, 0, TypeNumber, "meter_stop_count", "", "Number of times the meter was stopped"},
	{0x76, 0x76, kFixed, 0, TypeBinary, "manufacturer_data_container", "", "Data container for manufacturer specific protocol"},
	// 0x77-0x7C, 0x7E, 0x7F reserved.
}

// fd2Ranges: EN 13757-3:2018 Table 13, the VIFE after 0xFD 0xFD. jMBus
// knows 0x02 only; pyMeterBus and m-bus-parser: 0x00, 0x02, 0x03.
var fd2Ranges = []vifRange{
	{0x00, 0x00, kFixed, 0, TypeNumber, "selected_application", "", "Currently selected application"},
	{0x02, 0x02, kFixed, 0, TypeNumber, "remaining_battery_lifetime", "month", "Remaining battery lifetime"},
	{0x03, 0x03, kFixed, 0, TypeNumber, "remaining_battery_lifetime", "year", "Remaining battery lifetime"},
}

// fbRanges: EN 13757-3:2018 Table 14, the first VIFE after VIF 0xFB.
// Units are the base units: MWh is Wh × 10^6, GJ is J × 10^9, MCal is
// cal × 10^6, t is kg × 10^3, kVARh is VARh × 10^3.
var fbRanges = []vifRange{
	{0x00, 0x01, kScaled, 5, TypeNumber, "energy", "Wh", "Energy"}, // 10^(n-1) MWh
	// libmbus: 0x02-0x07, 0x0C-0x0F reserved (EN 13757-3:2004).
	{0x02, 0x03, kScaled, 3, TypeNumber, "reactive_energy", "VARh", "Reactive energy"}, // 10^n kVARh
	{0x04, 0x05, kScaled, 3, TypeNumber, "apparent_energy", "VAh", "Apparent energy"},  // 10^n kVAh
	// libmbus gives 0x08/0x09 the unit "Reserved" (the factor is right).
	{0x08, 0x09, kScaled, 8, TypeNumber, "energy", "J", "Energy"}, // 10^(n-1) GJ
	// m-bus-parser gives MCal the unit J: wrong, calories.
	{0x0C, 0x0F, kScaled, 5, TypeNumber, "energy", "cal", "Energy"}, // 10^(nn-1) MCal
	{0x10, 0x11, kScaled, 2, TypeNumber, "volume", "m3", "Volume"},  // 10^(n+2) m3
	// 10^(nn-3) kVAR = 10^nn VAR (jMBus, pyMeterBus); m-bus-parser drops
	// the kilo (10^(nn-3) VAR).
	{0x14, 0x17, kScaled, 0, TypeNumber, "reactive_power", "VAR", "Reactive power"},
	{0x18, 0x19, kScaled, 5, TypeNumber, "mass", "kg", "Mass"}, // 10^(n+2) t
	{0x1A, 0x1B, kScaled, -1, TypeNumber, "relative_humidity", "%", "Relative humidity"},
	// libmbus: 0x20 reserved; m-bus-parser: 0x21 = 10 ft3. EN 13757-3,
	// jMBus, pyMeterBus: 0x20 = 1 ft3, 0x21 = 0.1 ft3.
	{0x20, 0x20, kFixed, 0, TypeNumber, "volume", "ft3", "Volume"},
	{0x21, 0x21, kFixed, -1, TypeNumber, "volume", "ft3", "Volume"},
	// US gallons: EN 13757-3:2004 (libmbus, jMBus, which marks them
	// "outdated"); reserved in later editions but still decoded here.
	{0x22, 0x23, kScaled, -1, TypeNumber, "volume", "gal", "Volume"},
	{0x24, 0x24, kFixed, -3, TypeNumber, "volume_flow", "gal/min", "Volume flow"},
	{0x25, 0x25, kFixed, 0, TypeNumber, "volume_flow", "gal/min", "Volume flow"},
	{0x26, 0x26, kFixed, 0, TypeNumber, "volume_flow", "gal/h", "Volume flow"},
	{0x28, 0x29, kScaled, 5, TypeNumber, "power", "W", "Power"}, // 10^(n-1) MW
	// libmbus: 0x2A-0x2F reserved (older edition). jMBus decodes 0x2A only
	// (0x2B is a commented-out TODO). The U-I phase gets its own quantity
	// so that the two angles of one meter are not confused.
	{0x2A, 0x2A, kFixed, -1, TypeNumber, "phase", "deg", "Phase angle U-U (voltage to voltage)"},
	{0x2B, 0x2B, kFixed, -1, TypeNumber, "phase_u_i", "deg", "Phase angle U-I (voltage to current)"},
	{0x2C, 0x2F, kScaled, -3, TypeNumber, "frequency", "Hz", "Frequency"},
	// libmbus gives the unit J (not J/h); m-bus-parser the exponents -8/-7.
	{0x30, 0x31, kScaled, 8, TypeNumber, "power", "J/h", "Power"}, // 10^(n-1) GJ/h
	// 10^(nn-3) kVA = 10^nn VA. jMBus calls it APPARENT_ENERGY (unit VA);
	// m-bus-parser gives the unit VA/h.
	{0x34, 0x37, kScaled, 0, TypeNumber, "apparent_power", "VA", "Apparent power"},
	// Fahrenheit temperatures. jMBus decodes 0x64-0x67 as flow temperature:
	// E110 01nn is the external temperature (libmbus agrees).
	{0x58, 0x5B, kScaled, -3, TypeNumber, "flow_temperature", "F", "Flow temperature"},
	{0x5C, 0x5F, kScaled, -3, TypeNumber, "return_temperature", "F", "Return temperature"},
	{0x60, 0x63, kScaled, -3, TypeNumber, "temperature_difference", "F", "Temperature difference"},
	{0x64, 0x67, kScaled, -3, TypeNumber, "external_temperature", "F", "External temperature"},
	// 0x68-0x6E: HCA rating factors (EN 13757-3:2018, EN 834). pyMeterBus
	// scales them by 2^-12, m-bus-parser does not: not decoded here until
	// the scaling is settled (reported as unknown, raw bytes kept).
	{0x70, 0x73, kScaled, -3, TypeNumber, "temperature_limit", "F", "Cold / warm temperature limit"},
	{0x74, 0x77, kScaled, -3, TypeNumber, "temperature_limit", "C", "Cold / warm temperature limit"},
	// libmbus has 10^-3 for 0x79 (typo for 10^-2).
	{0x78, 0x7F, kScaled, -3, TypeNumber, "max_power", "W", "Cumulative count max power"},
}

var primaryTab, fdTab, fd2Tab, fbTab [128]vifEntry

func init() {
	fillVIFTable(&primaryTab, primaryRanges)
	fillVIFTable(&fdTab, fdRanges)
	fillVIFTable(&fd2Tab, fd2Ranges)
	fillVIFTable(&fbTab, fbRanges)
	for i := range primaryInfos {
		primaryInfos[i] = primaryTab[i].info("reserved VIF code")
	}
}

func fillVIFTable(t *[128]vifEntry, rs []vifRange) {
	for _, r := range rs {
		for c := int(r.lo); c <= int(r.hi) && c < len(t); c++ {
			e := vifEntry{q: r.q, desc: r.desc, unit: r.unit, exp: r.exp, typ: r.typ, ok: true}
			switch r.kind {
			case kScaled:
				e.exp = r.exp + int8(c-int(r.lo))
			case kTime:
				e.unit = timeUnits[c&3]
			case kLongTime:
				e.unit = longTimeUnits[c&3]
			}
			t[c] = e
		}
	}
}

// orthogonal VIFE actions (EN 13757-3:2018 Table 15, OMS Vol.2 Annex B).
const (
	oFlag         uint8 = iota // set ext
	oError                     // record error code: set ExtRecordError
	oUnknown                   // reserved or not decodable here: set ExtUnknown
	oExp                       // Exp += exp
	oDate                      // set ext; the value is a date (/time): Type date-time, no unit
	oCount                     // set ext; the value is a count: no unit
	oDuration                  // set ext; the value is a duration in s/min/h/d by code & 3
	oCombinable                // 0x7C: the next byte is from the combinable extension table
	oManufacturer              // 0x7F: the rest of the VIB is manufacturer specific
)

type orthoEntry struct {
	op  uint8
	exp int8
	ext Ext
}

// orthoTab is indexed by the VIFE without its extension bit.
var orthoTab = func() (t [128]orthoEntry) {
	// 0x00-0x1F: EN 13757-3:2004 reserves E00x xxxx for object actions
	// (master to slave) and record error codes (slave to master), and the
	// brief of this package says "record error codes". EN 13757-3:2018
	// (wmbusmeters and m-bus-parser follow it) gives six of them new
	// meanings: 0x12 average value, 0x13 inverse compact profile, 0x14
	// relative deviation, 0x1D standard conform data content, 0x1E compact
	// profile with register numbers, 0x1F compact profile. There is no Ext
	// bit for those (and compact profiles change how the data is read), so
	// they are reported as unknown rather than as errors.
	for c := 0x00; c <= 0x1F; c++ {
		t[c] = orthoEntry{op: oError}
	}
	for _, c := range []int{0x12, 0x13, 0x14, 0x1D, 0x1E, 0x1F} {
		t[c] = orthoEntry{op: oUnknown}
	}
	flags := [...]Ext{
		ExtPerSecond, ExtPerMinute, ExtPerHour, ExtPerDay, ExtPerWeek, ExtPerMonth, ExtPerYear, // 0x20-0x26
		ExtPerRevolution,                             // 0x27 per revolution / measurement
		ExtIncrPerInputPulse0, ExtIncrPerInputPulse1, // 0x28, 0x29
		ExtIncrPerOutputPulse0, ExtIncrPerOutputPulse1, // 0x2A, 0x2B
		ExtPerLitre, ExtPerM3, ExtPerKg, ExtPerK, // 0x2C-0x2F
		ExtPerKWh, ExtPerGJ, ExtPerKW, ExtPerKL, ExtPerV, ExtPerA, // 0x30-0x35
		ExtMultS, ExtMultSV, ExtMultSA, // 0x36-0x38
	}
	for i, e := range flags {
		t[0x20+i] = orthoEntry{op: oFlag, ext: e}
	}
	// m-bus-parser swaps 0x29 and 0x2A (input ch1 / output ch0): EN
	// 13757-3 E010 100p is input, E010 101p output (jMBus, wmbusmeters).
	t[0x39] = orthoEntry{op: oDate, ext: ExtStartDateTimeOf}
	t[0x3A] = orthoEntry{op: oFlag, ext: ExtUncorrected}
	t[0x3B] = orthoEntry{op: oFlag, ext: ExtForwardFlow}
	t[0x3C] = orthoEntry{op: oFlag, ext: ExtBackwardFlow}
	// Non-metric unit: the VIF's metric unit is kept (jMBus maps 04 86 3D to
	// BTU with exponent 3; here Unit stays "Wh", Exp 3, ExtNonMetric says
	// the meter counts in the non-metric equivalent).
	t[0x3D] = orthoEntry{op: oFlag, ext: ExtNonMetric}
	t[0x3E] = orthoEntry{op: oFlag, ext: ExtBaseCondition}
	t[0x3F] = orthoEntry{op: oUnknown} // OBIS declaration: no Ext bit
	// E100 u000 limit value, E100 u001 number of exceeds, E100 uf1b date
	// (/time) of b=0 end / b=1 begin, f=0 first / f=1 last, u=0 lower /
	// u=1 upper limit exceed. m-bus-parser swaps lower and upper (0x40 is
	// the lower limit: jMBus, wmbusmeters); wmbusmeters names 0x42 "begin"
	// and puts the upper "last" dates at 0x4D/0x4E (0x4D is reserved).
	t[0x40] = orthoEntry{op: oFlag, ext: ExtLowerLimit}
	t[0x48] = orthoEntry{op: oFlag, ext: ExtUpperLimit}
	t[0x41] = orthoEntry{op: oCount, ext: ExtNumExceedsLower}
	t[0x49] = orthoEntry{op: oCount, ext: ExtNumExceedsUpper}
	t[0x42] = orthoEntry{op: oDate, ext: ExtDateEndFirstLower}
	t[0x43] = orthoEntry{op: oDate, ext: ExtDateBeginFirstLower}
	t[0x46] = orthoEntry{op: oDate, ext: ExtDateEndLastLower}
	t[0x47] = orthoEntry{op: oDate, ext: ExtDateBeginLastLower}
	t[0x4A] = orthoEntry{op: oDate, ext: ExtDateEndFirstUpper}
	t[0x4B] = orthoEntry{op: oDate, ext: ExtDateBeginFirstUpper}
	t[0x4E] = orthoEntry{op: oDate, ext: ExtDateEndLastUpper}
	t[0x4F] = orthoEntry{op: oDate, ext: ExtDateBeginLastUpper}
	for _, c := range []int{0x44, 0x45, 0x4C, 0x4D} {
		t[c] = orthoEntry{op: oUnknown}
	}
	// E101 ufnn duration of limit exceed (u lower/upper, f first/last).
	// m-bus-parser reads bit 2 as lower/upper and bit 3 as first/last.
	for c := 0x50; c <= 0x5F; c++ {
		e := ExtDurationLower
		if c&0x08 != 0 {
			e = ExtDurationUpper
		}
		if c&0x04 != 0 {
			e |= ExtDurationLast
		} else {
			e |= ExtDurationFirst
		}
		t[c] = orthoEntry{op: oDuration, ext: e}
	}
	// E110 0fnn duration of the value's event, first/last.
	for c := 0x60; c <= 0x67; c++ {
		e := ExtDurationFirst
		if c&0x04 != 0 {
			e = ExtDurationLast
		}
		t[c] = orthoEntry{op: oDuration, ext: e}
	}
	// E110 1u00 value during lower/upper limit exceed, 0x69 leakage, 0x6D
	// overflow (m-bus-parser; wmbusmeters puts overflow at 0x6A, clashing
	// with its own date code there).
	t[0x68] = orthoEntry{op: oFlag, ext: ExtValueDuringLowerLimitExceed}
	t[0x6C] = orthoEntry{op: oFlag, ext: ExtValueDuringUpperLimitExceed}
	t[0x69] = orthoEntry{op: oFlag, ext: ExtLeakageValues}
	t[0x6D] = orthoEntry{op: oFlag, ext: ExtOverflowValues}
	// E110 1f1b date (/time) of first/last begin/end: a date, but there is
	// no Ext bit to say which one.
	for _, c := range []int{0x6A, 0x6B, 0x6E, 0x6F} {
		t[c] = orthoEntry{op: oDate, ext: ExtUnknown}
	}
	// E111 0nnn multiplicative correction factor 10^(nnn-6).
	for c := 0x70; c <= 0x77; c++ {
		t[c] = orthoEntry{op: oExp, exp: int8(c&7) - 6}
	}
	// E111 10nn additive correction constant 10^(nn-3) × unit of the VIF.
	for c := 0x78; c <= 0x7B; c++ {
		t[c] = orthoEntry{op: oFlag, ext: ExtAdditiveOffset}
	}
	t[0x7C] = orthoEntry{op: oCombinable}
	t[0x7D] = orthoEntry{op: oExp, exp: 3} // multiplicative correction factor 10^3
	t[0x7E] = orthoEntry{op: oUnknown}     // future value: no Ext bit
	t[0x7F] = orthoEntry{op: oManufacturer}
	return t
}()

// combinableExt maps the byte after VIFE 0x7C (EN 13757-3:2018 Table 16,
// OMS Vol.2 Annex B). Zero means unknown: 0x08-0x0B (quadrants Q1-Q4),
// 0x11/0x12 (data presented with type C/D) and 0x13/0x14 (direction) have
// no Ext bit; the rest is reserved. m-bus-parser puts "absolute" at 0x0F:
// jMBus, wmbusmeters and the jMBus vectors (80 FC 10) say 0x10.
var combinableExt = [128]Ext{
	0x01: ExtPhaseL1,
	0x02: ExtPhaseL2,
	0x03: ExtPhaseL3,
	0x04: ExtNeutral,
	0x05: ExtPhaseL1L2,
	0x06: ExtPhaseL2L3,
	0x07: ExtPhaseL3L1,
	0x0C: ExtDelta,
	0x10: ExtAbsolute,
}
