package dlms

import "github.com/meterwire/meterwire/obis"

// Shape is how a layout finds the OBIS codes of a notification body.
type Shape uint8

// Shapes.
const (
	// ShapeLabelled: the body carries the OBIS codes. Every leaf that
	// follows a 6-byte octet-string logical name (or an attribute
	// descriptor) is a value of that code: flat pairs OBIS, value
	// (Kamstrup, Landis+Gyr E450), structures {OBIS, value} and {OBIS,
	// value, {scaler, unit}} (Aidon, Iskra, Kaifa MA309 in Austria), and
	// flat triples OBIS, value, {scaler, unit} (Kaifa MA309 at Netz NÖ).
	// Fields name top-level elements without a code by position.
	ShapeLabelled Shape = iota + 1
	// ShapePositional: the body is a structure of bare values; Fields
	// give each position its code, scaler and unit.
	ShapePositional
	// ShapeDescribed: the first element of the body lists the capture
	// objects (structures {class id, logical name, attribute index, data
	// index, ...}, the push setup's push_object_list) and element i is the
	// value of capture object i (Energomera).
	ShapeDescribed
)

var shapeNames = [...]string{"", "labelled", "positional", "described"}

// String names the shape.
func (s Shape) String() string {
	if int(s) < len(shapeNames) && s != 0 {
		return shapeNames[s]
	}
	return "shape?"
}

// Kind is what an element at a layout position must be.
type Kind uint8

// Kinds.
const (
	KindAny    Kind = iota
	KindNumber      // an integer kind, enum, boolean or float
	KindText        // an octet-, visible- or utf8-string
	KindTime        // a date-time, or a 12-byte octet-string that reads as one
	KindOBIS        // a 6-byte octet-string
)

var kindNames = [...]string{"any value", "a number", "a string", "a date-time", "a logical name"}

// String says what the kind wants.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind?"
}

// Field gives one position of a layout its code.
type Field struct {
	// Index is the position in the body structure. Labelled layouts name
	// only top-level elements without a code and count a negative Index
	// from the end (-1: the last element).
	Index int
	// Code is the OBIS code of the value; the zero Code skips the element.
	Code obis.Code
	// Scaler is the power of ten the value is multiplied by; Unit the unit
	// after scaling as the meter would state it ("Wh", "W", "A", "V").
	Scaler int
	Unit   string
	// Kind is what the element must be; a layout with an element of
	// another kind does not fit the body.
	Kind Kind
	// Number reads an octet-string as a big-endian unsigned number (the
	// Iskra tariff "0002").
	Number bool
}

// Layout maps notification bodies of one shape to OBIS objects. Layouts
// are data: one small table per layout; a program may build its own and
// pass it to Objects.
type Layout struct {
	Name        string // short name for LayoutByName and reports
	Description string // meters and operators, the facts' sources
	Shape       Shape
	// ListID, when set, is the text (or FormatOBIS form of a logical name)
	// of the body's first element that identifies the list: "KFM_001",
	// "Kamstrup_V0001", "0-6:25.9.0". Detection then requires it.
	ListID string
	// Count is the number of body elements a positional layout requires;
	// 0 requires at least len(Fields) and ignores further elements.
	Count int
	// Fields: positional layouts, one per position; labelled layouts,
	// the top-level elements that carry no code.
	Fields []Field
	// Scales give scalers and units by measure to values the meter sends
	// without a scaler-unit structure (labelled and described layouts);
	// DefaultScales apply to the measures it does not list.
	Scales []Scale
	// Manual layouts are only used when named (LayoutByName): their shape
	// is too plain to detect.
	Manual bool
}

// oc parses a code of the tables below.
func oc(s string) obis.Code {
	c, err := obis.Parse(s)
	if err != nil {
		panic(err)
	}
	return c
}

func text(i int, code string) Field { return Field{Index: i, Code: oc(code), Kind: KindText} }
func num(i int, code string, scaler int, unit string) Field {
	return Field{Index: i, Code: oc(code), Scaler: scaler, Unit: unit, Kind: KindNumber}
}
func clock(i int, code string) Field { return Field{Index: i, Code: oc(code), Kind: KindTime} }
func skip(i int, k Kind) Field       { return Field{Index: i, Kind: k} }

// Kaifa's Norwegian HAN lists (KFM_001; MA304H3E, MA304H4, MA105H2E):
// currents in mA, voltages in 0.1 V, power in W and var, energy in Wh and
// varh. Sources: roarfred/AmsToMqttBridge sample breakdown of the
// MA304H3E lists, UtilitechAS/amsreader-firmware IEC6205675.cpp (/1000
// for currents, /10 for voltages), the Silicon Labs HAN parser
// known_lists.c ("A 4.3", "V 6.1").
var kaifaHead = []Field{
	text(0, "1-1:0.2.129"), text(1, "0-0:96.1.0"), text(2, "0-0:96.1.7"),
	num(3, "1-0:1.7.0", 0, "W"), num(4, "1-0:2.7.0", 0, "W"),
	num(5, "1-0:3.7.0", 0, "var"), num(6, "1-0:4.7.0", 0, "var"),
}

func kaifaList(three, energy bool) []Field {
	fs := append([]Field(nil), kaifaHead...)
	i := len(fs)
	add := func(f Field) { f.Index = i; fs = append(fs, f); i++ }
	if three {
		add(num(0, "1-0:31.7.0", -3, "A"))
		add(num(0, "1-0:51.7.0", -3, "A"))
		add(num(0, "1-0:71.7.0", -3, "A"))
		add(num(0, "1-0:32.7.0", -1, "V"))
		add(num(0, "1-0:52.7.0", -1, "V"))
		add(num(0, "1-0:72.7.0", -1, "V"))
	} else {
		add(num(0, "1-0:31.7.0", -3, "A"))
		add(num(0, "1-0:32.7.0", -1, "V"))
	}
	if energy {
		add(clock(0, "0-0:1.0.0"))
		add(num(0, "1-0:1.8.0", 0, "Wh"))
		add(num(0, "1-0:2.8.0", 0, "Wh"))
		add(num(0, "1-0:3.8.0", 0, "varh"))
		add(num(0, "1-0:4.8.0", 0, "varh"))
	}
	return fs
}

// builtin is the layout table, in detection order: positional layouts
// with a list identifier, other positional layouts, described, labelled
// with a list identifier, the generic labelled layout.
var builtin = []*Layout{
	{
		Name:        "kaifa-kfm001-list2-3p",
		Description: "Kaifa MA304H3E/MA304T3 (Norway, KFM_001) list 2, three-phase: ids, power, currents (mA), voltages (0.1 V); Silicon Labs known_lists.c, amsreader-firmware",
		Shape:       ShapePositional, ListID: "KFM_001", Count: 13, Fields: kaifaList(true, false),
	},
	{
		Name:        "kaifa-kfm001-list3-3p",
		Description: "Kaifa MA304H3E/MA304T3 (Norway, KFM_001) list 3, three-phase: list 2 plus clock and energy registers (Wh, varh)",
		Shape:       ShapePositional, ListID: "KFM_001", Count: 18, Fields: kaifaList(true, true),
	},
	{
		Name:        "kaifa-kfm001-list2-1p",
		Description: "Kaifa MA105H2E (Norway, KFM_001) list 2, single-phase",
		Shape:       ShapePositional, ListID: "KFM_001", Count: 9, Fields: kaifaList(false, false),
	},
	{
		Name:        "kaifa-kfm001-list3-1p",
		Description: "Kaifa MA105H2E (Norway, KFM_001) list 3, single-phase: list 2 plus clock and energy registers",
		Shape:       ShapePositional, ListID: "KFM_001", Count: 14, Fields: kaifaList(false, true),
	},
	{
		Name: "wienernetze-im350",
		Description: "Wiener Netze (and Linz/Wels) Sagemcom IM350 push: push setup 0-6:25.9.0, meter number, time, date, +A -A (Wh), +R -R (varh), +P -P (W); " +
			"Noschvie/shrdzm Device_IM350.cpp (the meter number's code is assumed; time and date are skipped, the notification's date-time carries them)",
		Shape: ShapePositional, ListID: "0-6:25.9.0",
		Fields: []Field{
			skip(0, KindOBIS), text(1, "0-0:96.1.0"), skip(2, KindText), skip(3, KindText),
			num(4, "1-0:1.8.0", 0, "Wh"), num(5, "1-0:2.8.0", 0, "Wh"),
			num(6, "1-0:3.8.0", 0, "varh"), num(7, "1-0:4.8.0", 0, "varh"),
			num(8, "1-0:1.7.0", 0, "W"), num(9, "1-0:2.7.0", 0, "W"),
		},
	},
	{
		Name: "wienernetze-am550",
		Description: "Wiener Netze Iskraemeco AM550 on the optical D0 interface: clock, +A -A (Wh), +R -R (varh), +P -P (W), +Q -Q (var); " +
			"pocki's decoder (quoted in an AM550 PHP reader), Noschvie/shrdzm e450IRWien",
		Shape: ShapePositional, Count: 9,
		Fields: []Field{
			clock(0, "0-0:1.0.0"),
			num(1, "1-0:1.8.0", 0, "Wh"), num(2, "1-0:2.8.0", 0, "Wh"),
			num(3, "1-0:3.8.0", 0, "varh"), num(4, "1-0:4.8.0", 0, "varh"),
			num(5, "1-0:1.7.0", 0, "W"), num(6, "1-0:2.7.0", 0, "W"),
			num(7, "1-0:3.7.0", 0, "var"), num(8, "1-0:4.7.0", 0, "var"),
		},
	},
	{
		Name: "iskra-ece-list1",
		Description: "Iskra AM550 in Slovenia (ECE list 1): ids, power, voltages (0.1 V), currents (0.01 A), power per phase; " +
			"athombv/node-dsmr-parser ECEList1.ts and its default DLMS scalers",
		Shape: ShapePositional, Count: 18,
		Fields: []Field{
			text(0, "0-0:42.0.0"), text(1, "0-0:96.1.2"),
			num(2, "1-0:1.7.0", 0, "W"), num(3, "1-0:2.7.0", 0, "W"), num(4, "1-0:3.7.0", 0, "var"), num(5, "1-0:4.7.0", 0, "var"),
			num(6, "1-0:32.7.0", -1, "V"), num(7, "1-0:52.7.0", -1, "V"), num(8, "1-0:72.7.0", -1, "V"),
			num(9, "1-0:31.7.0", -2, "A"), num(10, "1-0:51.7.0", -2, "A"), num(11, "1-0:71.7.0", -2, "A"),
			num(12, "1-0:21.7.0", 0, "W"), num(13, "1-0:41.7.0", 0, "W"), num(14, "1-0:61.7.0", 0, "W"),
			num(15, "1-0:22.7.0", 0, "W"), num(16, "1-0:42.7.0", 0, "W"), num(17, "1-0:62.7.0", 0, "W"),
		},
	},
	{
		Name: "iskra-ece-list2",
		Description: "Iskra AM550 in Slovenia (ECE list 2): ids, breaker state, tariff, energy registers (Wh, varh); " +
			"athombv/node-dsmr-parser ECEList2.ts",
		Shape: ShapePositional, Count: 12,
		Fields: []Field{
			text(0, "0-0:42.0.0"), text(1, "0-0:96.1.3"),
			{Index: 2, Code: oc("0-0:96.3.10"), Kind: KindNumber},
			{Index: 3, Code: oc("0-0:96.14.0"), Kind: KindText, Number: true},
			num(4, "1-0:1.8.0", 0, "Wh"), num(5, "1-0:1.8.1", 0, "Wh"), num(6, "1-0:1.8.2", 0, "Wh"),
			num(7, "1-0:2.8.0", 0, "Wh"), num(8, "1-0:2.8.1", 0, "Wh"), num(9, "1-0:2.8.2", 0, "Wh"),
			num(10, "1-0:3.8.0", 0, "varh"), num(11, "1-0:4.8.0", 0, "varh"),
		},
	},
	{
		Name:        "kaifa-kfm001-list1",
		Description: "Kaifa (Norway) list 1: a structure of one number, the active power import in W; too plain to detect",
		Shape:       ShapePositional, Count: 1, Manual: true,
		Fields: []Field{num(0, "1-0:1.7.0", 0, "W")},
	},
	{
		Name:        "described",
		Description: "self-describing push (Energomera): the first element lists the capture objects, element i is the value of capture object i",
		Shape:       ShapeDescribed,
	},
	{
		Name: "kamstrup",
		Description: "Kamstrup Omnipower (Kamstrup_V0001, Norway and Denmark): OBIS, value pairs without scalers; currents and power factors in 0.01, " +
			"energy in 10 Wh; amsreader-firmware IEC6205675.cpp, Silicon Labs known_lists.c (\"A 3.2\", \"kWh 7.2\")",
		Shape: ShapeLabelled, ListID: "Kamstrup_V0001",
		Fields: []Field{text(0, "1-1:0.2.129")},
		Scales: []Scale{
			{Current, -2, "A"}, {PowerFactor, -2, ""}, {Voltage, 0, "V"},
			{ActivePower, 0, "W"}, {ReactivePower, 0, "var"},
			{ActiveEnergy, 1, "Wh"}, {ReactiveEnergy, 1, "varh"},
		},
	},
	{
		Name: "obis",
		Description: "OBIS-labelled values: pairs, {OBIS, value} and {OBIS, value, {scaler, unit}} structures, attribute descriptors " +
			"(Aidon, Iskra, Landis+Gyr, Kaifa MA309 at Netz NÖ, TINETZ and Salzburg Netz, Sagemcom XT211, EG.D); " +
			"an unlabelled date-time first is the clock, an unlabelled string last the meter number (Netz NÖ)",
		Shape: ShapeLabelled,
		Fields: []Field{
			clock(0, "0-0:1.0.0"),
			text(-1, "0-0:96.1.0"),
		},
	},
}

// Layouts returns the built-in layouts in detection order. They are
// shared: do not modify them.
func Layouts() []*Layout { return append([]*Layout(nil), builtin...) }

// LayoutByName returns the built-in layout called name.
func LayoutByName(name string) (*Layout, bool) {
	for _, l := range builtin {
		if l.Name == name {
			return l, true
		}
	}
	return nil, false
}
