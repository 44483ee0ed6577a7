// cadenza/music/midi_types.hpp: moved to cadenza/midi/midi_types.hpp (version 0.2.0), where the
// MIDI module (cadenza::midi) now lives on its own. This forwarding header
// stays for one release.
#pragma once
#warning "cadenza/music/midi_types.hpp is deprecated: include cadenza/midi/midi_types.hpp"
#include "cadenza/midi/midi_types.hpp"
