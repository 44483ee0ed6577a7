// cadenza/error.hpp: the one exception type every Cadenza error derives from, and its check macro.
//
// Every failure a user can cause (a wrong shape, a corrupt file, a bad MIDI
// byte) is a cadenza::Error, or a class derived from it, carrying one sentence
// that says what was expected and what was found. Catching cadenza::Error
// catches them all. This header depends on nothing else of Cadenza, so every
// module (midi/ included, which needs nothing else) can use it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace cadenza {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
    std::ostringstream out;
    (out << ... << args);
    return out.str();
}
}  // namespace detail

// CADENZA_CHECK(cond, "message", parts...) throws cadenza::Error when cond fails.
#define CADENZA_CHECK(cond, ...)                                                     \
    do {                                                                             \
        if (!(cond)) throw ::cadenza::Error(::cadenza::detail::concat(__VA_ARGS__)); \
    } while (0)

}  // namespace cadenza
