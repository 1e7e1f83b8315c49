#include "report/xml_writer.hpp"

#include <stdexcept>

namespace tlsprobe::report {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i] that XML 1.0 allows (§2.2 Char), or 0.
std::size_t valid_char_length(std::string_view s, std::size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) return (c >= 0x20 || c == '\t' || c == '\n' || c == '\r') ? 1 : 0;
    std::size_t n = 0;
    char32_t cp = 0;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else return 0;
    if (i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (cc & 0x3F);
    }
    const bool overlong =
        (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
    if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return n;
}

}  // namespace

std::string escape_xml(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        const auto n = valid_char_length(text, i);
        if (n == 0) {
            out += kReplacement;
            ++i;
            continue;
        }
        if (n == 1) {
            switch (text[i]) {
                case '&': out += "&amp;"; break;
                case '<': out += "&lt;"; break;
                case '>': out += "&gt;"; break;
                case '"': out += "&quot;"; break;
                case '\'': out += "&#39;"; break;
                default: out += text[i];
            }
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

XmlWriter::XmlWriter() : out_("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n") {}

void XmlWriter::start_tag(std::string_view name, Attributes attributes) {
    out_.append(open_.size() * 2, ' ');
    out_ += '<';
    out_ += name;
    for (const auto& [k, v] : attributes) {
        out_ += ' ';
        out_ += k;
        out_ += "=\"";
        out_ += escape_xml(v);
        out_ += '"';
    }
}

void XmlWriter::open(std::string_view name, Attributes attributes) {
    start_tag(name, attributes);
    out_ += ">\n";
    open_.emplace_back(name);
}

void XmlWriter::element(std::string_view name, Attributes attributes, std::string_view text) {
    start_tag(name, attributes);
    if (text.empty()) {
        out_ += "/>\n";
        return;
    }
    out_ += '>';
    out_ += escape_xml(text);
    out_ += "</";
    out_ += name;
    out_ += ">\n";
}

void XmlWriter::close() {
    if (open_.empty()) throw std::logic_error("XmlWriter::close without an open element");
    const auto name = std::move(open_.back());
    open_.pop_back();
    out_.append(open_.size() * 2, ' ');
    out_ += "</" + name + ">\n";
}

std::string XmlWriter::str() const {
    if (!open_.empty())
        throw std::logic_error("XmlWriter::str with <" + open_.back() + "> still open");
    return out_;
}

}  // namespace tlsprobe::report
