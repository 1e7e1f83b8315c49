// The scan's input: every line form, every bad form with its message, keys, sharding, the
// streaming reader, and reading a JSONL file back for --resume. Pure: no sockets.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "scan/scan_input.hpp"
#include "report/scan_report.hpp"

using namespace tlsprobe;
using scan::InputError;
using scan::ScanTarget;

namespace {

ScanTarget good(std::string_view line) {
    auto parsed = scan::parse_scan_line(line);
    REQUIRE(parsed);
    if (const auto* e = std::get_if<InputError>(&*parsed)) FAIL("unexpected error for '" << line << "': " << e->reason);
    return std::get<ScanTarget>(*parsed);
}

std::string bad(std::string_view line) {
    auto parsed = scan::parse_scan_line(line);
    REQUIRE(parsed);
    const auto* e = std::get_if<InputError>(&*parsed);
    REQUIRE(e);
    return e->reason;
}

}  // namespace

TEST_CASE("scan input: every target form", "[scan][input]") {
    auto t = good("example.com");
    CHECK(t.target.host == "example.com");
    CHECK(t.target.port == 443);
    CHECK(t.target.sni == "example.com");
    CHECK(t.key == "example.com:443");

    t = good("  Mail.Example.COM:465  ");
    CHECK(t.target.port == 465);
    CHECK(t.key == "mail.example.com:465");

    t = good("[2001:db8::1]:8443");
    CHECK(t.target.host == "2001:db8::1");
    CHECK(t.target.port == 8443);
    CHECK_FALSE(t.target.sni);
    CHECK(t.key == "[2001:db8::1]:8443");

    t = good("https://intranet.example.com:8443/login?x=1");
    CHECK(t.target.host == "intranet.example.com");
    CHECK(t.target.port == 8443);
    CHECK(t.key == "intranet.example.com:8443");

    t = good("ldaps://dc1.example.com/");
    CHECK(t.target.port == 636);

    t = good("192.0.2.7");
    CHECK_FALSE(t.target.sni);
    CHECK(t.key == "192.0.2.7:443");
}

TEST_CASE("scan input: connect-to and SNI columns", "[scan][input]") {
    auto t = good("www.example.com,192.0.2.10");
    CHECK(t.target.connect_to == "192.0.2.10");
    CHECK(t.target.connect_port == 0);
    CHECK(t.target.sni == "www.example.com");
    CHECK(t.key == "www.example.com:443,via=192.0.2.10");

    t = good("www.example.com:443, [2001:db8::2]:8443 ");
    CHECK(t.target.connect_to == "2001:db8::2");
    CHECK(t.target.connect_port == 8443);
    CHECK(t.key == "www.example.com:443,via=[2001:db8::2]:8443");

    t = good("192.0.2.20,,WWW.Example.com");
    CHECK_FALSE(t.target.connect_to);
    CHECK(t.target.sni == "www.example.com");
    CHECK(t.key == "192.0.2.20:443,sni=www.example.com");

    t = good("www.example.com,,-");
    CHECK_FALSE(t.target.sni);
    CHECK(t.key == "www.example.com:443,sni=-");

    // An SNI column equal to the default changes nothing, so the key is the plain one.
    CHECK(good("www.example.com,,www.example.com").key == "www.example.com:443");
}

TEST_CASE("scan input: blanks and comments are skipped", "[scan][input]") {
    CHECK_FALSE(scan::parse_scan_line(""));
    CHECK_FALSE(scan::parse_scan_line("   \t\r"));
    CHECK_FALSE(scan::parse_scan_line("# the DMZ"));
    CHECK_FALSE(scan::parse_scan_line("   # indented comment"));
    CHECK(good("example.com:443   # the shop").key == "example.com:443");
    // '#' inside a URL is a fragment, not a comment.
    CHECK(good("https://example.com/#top").key == "example.com:443");
}

TEST_CASE("scan input: every bad form says why", "[scan][input]") {
    CHECK_THAT(bad("exa mple.com"), Catch::Contains("not a valid host name"));
    CHECK_THAT(bad("example.com:99999"), Catch::Contains("out of range"));
    CHECK_THAT(bad("example.com:https"), Catch::Contains("not a number"));
    CHECK_THAT(bad("http://example.com/"), Catch::Contains("plain HTTP"));
    CHECK_THAT(bad("gopher://example.com/"), Catch::Contains("unsupported scheme"));
    CHECK_THAT(bad("example.com/path"), Catch::Contains("URL form"));
    CHECK_THAT(bad("[2001:db8::1:443"), Catch::Contains("missing ']'"));
    CHECK_THAT(bad("[2001:db8::zz]:443"), Catch::Contains("not a valid IPv6"));
    CHECK_THAT(bad("a..b"), Catch::Contains("empty label"));
    CHECK_THAT(bad(",192.0.2.1"), Catch::Contains("target column is empty"));
    CHECK_THAT(bad("example.com,192.0.2.1:0"), Catch::Contains("out of range"));
    CHECK_THAT(bad("example.com,bad host"), Catch::Contains("not a valid host name"));
    CHECK_THAT(bad("example.com,,192.0.2.1"), Catch::Contains("RFC 6066"));
    CHECK_THAT(bad("example.com,,bad_name!"), Catch::Contains("not a valid host name"));
    CHECK_THAT(bad("a.example,b,c,d"), Catch::Contains("at most 3"));
    CHECK_THAT(bad(std::string(scan::kMaxInputLine + 1, 'a')), Catch::Contains("characters long"));
    auto parsed = scan::parse_scan_line("exa mple.com");
    CHECK(std::get<InputError>(*parsed).text == "exa mple.com");
}

TEST_CASE("scan input: the reader streams lines with their numbers", "[scan][input]") {
    std::istringstream in("\xEF\xBB\xBF# hosts\r\nexample.com\r\n\nbad host\nexample.org:8443");
    scan::ScanInputReader reader(in);
    auto a = reader.next();
    REQUIRE(a);
    CHECK(a->line == 2);
    CHECK(std::get<ScanTarget>(a->parsed).key == "example.com:443");
    auto b = reader.next();
    REQUIRE(b);
    CHECK(b->line == 4);
    CHECK(std::holds_alternative<InputError>(b->parsed));
    auto c = reader.next();
    REQUIRE(c);
    CHECK(c->line == 5);
    CHECK(std::get<ScanTarget>(c->parsed).key == "example.org:8443");
    CHECK_FALSE(reader.next());
}

TEST_CASE("sharding: FNV-1a 64, disjoint, complete, stable", "[scan][shard]") {
    // Published FNV-1a 64 test vectors.
    CHECK(scan::fnv1a64("") == 0xcbf29ce484222325ULL);
    CHECK(scan::fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
    CHECK(scan::fnv1a64("foobar") == 0x85944171f73967e8ULL);
    // Pinned: a change here would move targets between machines of a running sharded scan.
    CHECK(scan::fnv1a64("example.com:443") == 0xf83ee1a6f92e7c9dULL);

    const scan::Shard all{1, 1};
    CHECK(scan::in_shard("anything:443", all));
    const std::uint32_t n = 7;
    std::size_t total = 0;
    std::vector<std::size_t> sizes(n);
    for (int i = 0; i < 1000; ++i) {
        const auto key = "host" + std::to_string(i) + ".example:443";
        int owners = 0;
        for (std::uint32_t k = 1; k <= n; ++k)
            if (scan::in_shard(key, {k, n})) {
                ++owners;
                ++sizes[k - 1];
            }
        CHECK(owners == 1);  // disjoint and complete
        total += static_cast<std::size_t>(owners);
    }
    CHECK(total == 1000);
    for (auto s : sizes) CHECK(s > 50);  // no shard is empty or starved (expected ~143)

    CHECK(scan::parse_shard("3/16").index == 3);
    CHECK(scan::parse_shard("3/16").count == 16);
    CHECK_THROWS_WITH(scan::parse_shard("0/4"), Catch::Contains("1 to N"));
    CHECK_THROWS_WITH(scan::parse_shard("5/4"), Catch::Contains("1 to N"));
    CHECK_THROWS_WITH(scan::parse_shard("3"), Catch::Contains("expected K/N"));
    CHECK_THROWS_WITH(scan::parse_shard("a/b"), Catch::Contains("expected K/N"));
}

TEST_CASE("resume: complete records count, a torn last line does not", "[scan][resume]") {
    std::istringstream in(
        "{\"record\":\"target\",\"key\":\"a.example:443\",\"input_line\":1}\n"
        "{\"record\":\"summary\",\"targets\":1}\n"
        "not json\n"
        "{\"record\":\"target\",\"key\":\"b.example:443\",\"input_line\":2}\n"
        "{\"record\":\"target\",\"key\":\"c.exa");
    const auto state = report::read_resume(in);
    CHECK(state.keys == std::unordered_set<std::string>{"a.example:443", "b.example:443"});
    CHECK(state.ignored_lines == 2);
    const std::string kept =
        "{\"record\":\"target\",\"key\":\"a.example:443\",\"input_line\":1}\n"
        "{\"record\":\"summary\",\"targets\":1}\n"
        "not json\n"
        "{\"record\":\"target\",\"key\":\"b.example:443\",\"input_line\":2}\n";
    CHECK(state.valid_bytes == kept.size());
}
