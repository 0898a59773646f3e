// # Objects and layouts
//
// A decoded data-notification is a tree; Objects turns its body into what
// users consume, OBIS objects with values in units, and Fields gives them
// the flat names P1 telegrams get (obis.Field is the one naming table for
// both):
//
//	objs, layout, err := dlms.Objects(&msg.Notification, nil) // nil: detect
//	fields := dlms.Fields(objs) // energy_import_kwh, power_import_kw, voltage_l1_v, ...
//
// Vendors lay push bodies out in three ways, and a Layout (data, not code:
// one small table each) says how to read one:
//
//   - ShapeLabelled: the body carries the codes. OBIS, value pairs in one
//     flat structure (Kamstrup, Landis+Gyr E450), structures {OBIS, value}
//     and {OBIS, value, {scaler, unit}} (Aidon, Iskra, Kaifa MA309 at
//     TINETZ and Salzburg Netz), flat triples (Kaifa MA309 at Netz NÖ),
//     {attribute descriptor, value} (Sagemcom XT211, EG.D). A scaler-unit
//     structure scales the value and names its unit (IEC 62056-62 enum,
//     UnitName); without one the layout's Scales give scaler and unit by
//     Measure (Kamstrup: currents and power factors in 0.01, energy in
//     10 Wh), else DefaultScales (the COSEM base units, scaler 0). The
//     generic layout "obis" is the fallback for every body with codes: each
//     leaf that follows a logical name becomes an object.
//   - ShapePositional: bare values; the layout gives each position its
//     code, scaler and unit, and is detected by element count, element kinds
//     and, where the meter sends one, the list identifier in the first
//     element (Kaifa "KFM_001", the push setup 0-6:25.9.0 of the IM350).
//   - ShapeDescribed: the first element lists the capture objects and the
//     others are their values (Energomera).
//
// Detection tries the built-in layouts in the order Layouts returns them
// (positional with a list identifier, positional, described, labelled with
// a list identifier, the generic "obis") and takes the first that fits and
// yields objects; LayoutByName overrides it. A body no layout fits gives no
// objects and no error. Built-in layouts:
//
//	name                    shape       detected by                   source of the facts
//	kaifa-kfm001-list2-3p   positional  "KFM_001", 13 elements        Silicon Labs HAN known_lists.c, amsreader-firmware, AmsToMqttBridge
//	kaifa-kfm001-list3-3p   positional  "KFM_001", 18 elements        same (plus clock and energy registers)
//	kaifa-kfm001-list2-1p   positional  "KFM_001", 9 elements         same
//	kaifa-kfm001-list3-1p   positional  "KFM_001", 14 elements        same
//	wienernetze-im350       positional  0-6:25.9.0 first, >= 10       Noschvie/shrdzm Device_IM350.cpp
//	wienernetze-am550       positional  date-time + 8 numbers         pocki's AM550 decoder, shrdzm
//	iskra-ece-list1         positional  18 elements of the ECE kinds  athombv/node-dsmr-parser ECEList1
//	iskra-ece-list2         positional  12 elements of the ECE kinds  athombv/node-dsmr-parser ECEList2
//	kaifa-kfm001-list1      positional  by name only (one number)     Silicon Labs HAN known_lists.c
//	described               described   capture-object list first     the Energomera sample
//	kamstrup                labelled    "Kamstrup_V0001" first        amsreader-firmware, known_lists.c
//	obis                    labelled    any logical name              COSEM scaler_unit, base units
//
// Values: float64 scaled by the scaler (2364 with scaler -1 is 236.4), the
// unit as the meter states it after scaling ("Wh", "W", "V"; Fields
// converts to kWh and kW); Implied marks scalers and units that come from
// the layout. Text is a string (octet-strings that are printable ASCII,
// NUL padding removed), other octets hex, date-times a time.Time with the
// meter's UTC deviation, or "2006-01-02T15:04:05" local time when it
// states none. When the body has no clock, the notification's date-time
// is the object 0-0:1.0.0 (Path "date-time"). Labelled layouts name
// top-level elements without a code: a leading date-time is the clock
// 0-0:1.0.0 (E450, Netz NÖ), a trailing string the meter number 0-0:96.1.0
// (Netz NÖ, as dlms_parser's pattern does), Kamstrup's leading string the
// list version 1-1:0.2.129 (the code Aidon sends it with).
//
// Verification: TestLayoutsCorpus maps the 26 corpus samples whose
// data-notification decodes and compares the objects with what the
// publishers' decoders print (esphome-libs/dlms_parser tests/expected/*.h,
// athombv/node-dsmr-parser *.json; both print registers without a scaler
// when the frame carries none, so those compare before meterwire's layout
// scaling): 337 of 345 values agree. The 8 that do not, with the reason:
//
//   - raw_energomera, all 7 values: dlms_parser matches its pattern
//     "TC, TO, TS, TV" against the capture-object definitions {class id,
//     logical name, attribute index, data index}, reads the attribute index
//     as a scaler and the data index 0 as the value. meterwire maps the
//     definitions to the elements that follow (0-0:42.0.0 is
//     "EMR0222173608710", 0-0:96.1.0 "012415173608710", 0-0:97.98.10 65535);
//     0-0:25.9.0 (the list itself) and 0-0:96.5.135 (a structure) have no
//     leaf value and no object.
//   - raw_egd_example 0-2:25.9.0: the value is the push setup's logical
//     name, 6 octets; dlms_parser prints "", meterwire its hex 0002190900ff.
//
// Samples without machine-readable expected output (the IM350 and AM550
// frames, TINETZ, Kaifa MA304H3E, for which dlms_parser expects nothing)
// are checked against the facts of their layouts' sources in
// TestFieldsSamples; the Kamstrup scalers also against the frame itself
// (P = U * I * cos phi per phase, phase energies adding up to the total).
package dlms
