package sim

import "time"

// now is the simulators' clock (a variable for tests).
var now = time.Now
