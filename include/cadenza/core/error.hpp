// cadenza/core/error.hpp: the library's exception type and its check macro.
//
// Every failure a user can cause (a wrong shape, a corrupt file) is an exception
// carrying one sentence that says what was expected and what was found.
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
#define CADENZA_CHECK(cond, ...)                                       \
    do {                                                               \
        if (!(cond)) throw ::cadenza::Error(::cadenza::detail::concat(__VA_ARGS__)); \
    } while (0)

}  // namespace cadenza
