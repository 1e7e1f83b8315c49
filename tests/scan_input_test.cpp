// The scan's input: every line form, every bad form with its message, keys, sharding, the
// streaming reader, and reading a JSONL file back for --resume. Pure: no sockets.
#include <array>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <set>
#include <sstream>
#include <streambuf>
#include <thread>

#include "report/scan_report.hpp"
#include "scan/scan_input.hpp"

using namespace tlsprobe;
using scan::InputError;
using scan::ScanTarget;

namespace {

ScanTarget good(std::string_view line) {
    auto parsed = scan::parse_scan_line(line);
    REQUIRE(parsed);
    if (const auto* e = std::get_if<InputError>(&*parsed))
        FAIL("unexpected error for '" << line << "': " << e->reason);
    return std::get<ScanTarget>(*parsed);
}

std::string bad(std::string_view line) {
    auto parsed = scan::parse_scan_line(line);
    REQUIRE(parsed);
    const auto* e = std::get_if<InputError>(&*parsed);
    REQUIRE(e);
    return e->reason;
}

// An input that never ends: zeros forever, in 4 KiB buffers. Keeps a count of the bytes
// served and fulfils `past` once more than `threshold` bytes were read.
class ZeroForever : public std::streambuf {
public:
    explicit ZeroForever(std::size_t threshold) : threshold_(threshold) {}
    std::promise<void> past;
    std::atomic<std::size_t> served{0};

protected:
    int_type underflow() override {
        buffer_.fill('\0');
        setg(buffer_.data(), buffer_.data(), buffer_.data() + buffer_.size());
        if ((served += buffer_.size()) > threshold_ && !signalled_) {
            signalled_ = true;
            past.set_value();
        }
        return traits_type::to_int_type(buffer_[0]);
    }

private:
    std::array<char, 4096> buffer_{};
    std::size_t threshold_;
    bool signalled_ = false;
};

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
    CHECK_THAT(bad(std::string(scan::kMaxInputLine + 1, 'a')),
               Catch::Contains("longer than 4096 characters"));
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
    CHECK(state.keys.size() == 2);
    CHECK(state.keys.contains("a.example:443"));
    CHECK(state.keys.contains("b.example:443"));
    CHECK_FALSE(state.keys.contains("c.example:443"));
    CHECK(state.ignored_lines == 2);
    const std::string kept =
        "{\"record\":\"target\",\"key\":\"a.example:443\",\"input_line\":1}\n"
        "{\"record\":\"summary\",\"targets\":1}\n"
        "not json\n"
        "{\"record\":\"target\",\"key\":\"b.example:443\",\"input_line\":2}\n";
    CHECK(state.valid_bytes == kept.size());
}

TEST_CASE("scan input: control characters are bad lines, shown escaped", "[scan][input]") {
    using namespace std::string_literals;
    for (const auto& line :
         {"127.0.0.1\0junk:46199"s, "a.example,127.0.0.1\0evil"s, "127.0.0.1\0\xff\xfe:46197"s,
          "a.example\x1b[31m"s, "a.example\x7f"s, "a.example\rb.example"s}) {
        INFO(scan::escape_input(line));
        auto parsed = scan::parse_scan_line(line);
        REQUIRE(parsed);
        const auto* e = std::get_if<InputError>(&*parsed);
        REQUIRE(e);
        CHECK_THAT(e->reason, Catch::Contains("control character \\x"));
        for (const std::string* text : {&e->reason, &e->text})
            for (const char c : *text) {
                const auto u = static_cast<unsigned char>(c);
                CHECK((u >= 0x20 && u < 0x7f));  // escaped, never raw
            }
    }
    CHECK_THAT(bad("127.0.0.1\0junk:46199"s), Catch::Contains("\\x00 at column 10"));
    CHECK(std::get<InputError>(*scan::parse_scan_line("127.0.0.1\0\xff\xfe:46197"s)).text ==
          "127.0.0.1\\x00\\xff\\xfe:46197");
    // Tab is white space and a CR before the newline is the line ending: both fine.
    CHECK(good("a.example\t# comment").key == "a.example:443");
    CHECK(good("a.example\r").key == "a.example:443");
    // Valid UTF-8 is kept, invalid bytes escaped.
    CHECK(scan::escape_input("caf\xc3\xa9 \xc3 \\") == "caf\xc3\xa9 \\xc3 \\\\");

    // The reader reports each with its line number and goes on.
    std::istringstream in(
        "127.0.0.1\0junk:46199\na.example,127.0.0.1\0evil\n127.0.0.1\0\xff\xfe:46197\nb.example\n"s);
    scan::ScanInputReader reader(in);
    for (std::size_t n = 1; n <= 3; ++n) {
        auto item = reader.next();
        REQUIRE(item);
        CHECK(item->line == n);
        CHECK(std::holds_alternative<InputError>(item->parsed));
    }
    auto last = reader.next();
    REQUIRE(last);
    CHECK(last->line == 4);
    CHECK(std::get<ScanTarget>(last->parsed).key == "b.example:443");
}

TEST_CASE("scan input: an over-long line is reported and skipped without being held",
          "[scan][input]") {
    // 10 MB without a newline, then a good line: the good line is still read.
    std::istringstream in(std::string(10 * 1024 * 1024, 'a') + "\nb.example\n" +
                          std::string(5000, 'c'));
    scan::ScanInputReader reader(in);
    auto first = reader.next();
    REQUIRE(first);
    CHECK(first->line == 1);
    const auto& e = std::get<InputError>(first->parsed);
    CHECK_THAT(e.reason, Catch::Contains("longer than 4096 characters"));
    CHECK(e.text.size() < 300);
    auto second = reader.next();
    REQUIRE(second);
    CHECK(second->line == 2);
    CHECK(std::get<ScanTarget>(second->parsed).key == "b.example:443");
    auto third = reader.next();  // an over-long last line without a newline
    REQUIRE(third);
    CHECK(third->line == 3);
    CHECK(std::holds_alternative<InputError>(third->parsed));
    CHECK_FALSE(reader.next());
    CHECK_FALSE(reader.stopped());

    // Exactly the limit is fine.
    std::istringstream exact("a.example" + std::string(scan::kMaxInputLine - 9, ' ') + "\n");
    scan::ScanInputReader exact_reader(exact);
    auto ok = exact_reader.next();
    REQUIRE(ok);
    CHECK(std::holds_alternative<ScanTarget>(ok->parsed));
}

TEST_CASE("scan input: an endless input ends promptly when stop is set", "[scan][input]") {
    ZeroForever zeros(8 * 1024 * 1024);
    std::istream in(&zeros);
    std::atomic<bool> stop{false};
    scan::ScanInputReader reader(in, &stop);
    auto first = reader.next();  // reported as soon as it passes the limit
    REQUIRE(first);
    CHECK(first->line == 1);
    CHECK_THAT(std::get<InputError>(first->parsed).reason, Catch::Contains("longer than 4096"));
    CHECK(zeros.served < 1024 * 1024);

    auto past = zeros.past.get_future();
    std::thread stopper([&] {
        past.wait();  // an event: the reader has read more than 8 MB of the endless line
        stop = true;
    });
    const auto t0 = std::chrono::steady_clock::now();
    CHECK_FALSE(reader.next());
    const auto took = std::chrono::steady_clock::now() - t0;
    stopper.join();
    CHECK(reader.stopped());
    CHECK(took < std::chrono::seconds(5));
    CHECK(zeros.served > 8u * 1024 * 1024);
}
