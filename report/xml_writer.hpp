// A tiny XML writer for the JUnit report, and the escaping the HTML report shares.
// Text from the wire (server banners, certificate names) passes through here, so characters
// XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, broken UTF-8) are
// replaced by U+FFFD instead of producing a file CI systems refuse to parse.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tlsprobe::report {

// Escapes & < > " ' and replaces characters XML cannot carry (see above).
std::string escape_xml(std::string_view text);

class XmlWriter {
public:
    using Attributes = std::initializer_list<std::pair<std::string_view, std::string>>;

    XmlWriter();  // starts with the XML declaration (UTF-8)
    // <name a="v" ...>; must be matched by close().
    void open(std::string_view name, Attributes attributes = {});
    // <name a="v" .../> or <name a="v">text</name> when text is non-empty.
    void element(std::string_view name, Attributes attributes = {}, std::string_view text = {});
    void close();
    // The document; every open element must have been closed.
    std::string str() const;

private:
    void start_tag(std::string_view name, Attributes attributes);
    std::string out_;
    std::vector<std::string> open_;
};

}  // namespace tlsprobe::report
