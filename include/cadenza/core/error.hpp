// cadenza/core/error.hpp: moved to cadenza/error.hpp (version 0.2.0). This
// forwarding header stays for one release.
#pragma once
#warning "cadenza/core/error.hpp is deprecated: include cadenza/error.hpp"
#include "cadenza/error.hpp"
