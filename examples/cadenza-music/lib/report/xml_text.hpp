// examples/cadenza-music/lib/report/xml_text.hpp: text made safe inside XML
// and HTML (the report's SVG plots, MusicXML and page).
#pragma once

#include <string>

namespace cadenza::app {

// &, <, >, " and ' as entities.
inline std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

}  // namespace cadenza::app
