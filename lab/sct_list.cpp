#include "lab/sct_list.hpp"

namespace tlsprobe::lab {
namespace {

void put16(core::Bytes& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

LogId made_up_log_id(std::uint8_t fill) {
    LogId id;
    id.fill(fill);
    return id;
}

core::Bytes make_sct_list(const std::vector<LogId>& logs, std::uint64_t timestamp_ms) {
    core::Bytes list;
    for (const auto& log : logs) {
        core::Bytes sct;
        sct.push_back(0);  // v1
        sct.insert(sct.end(), log.begin(), log.end());
        for (int shift = 56; shift >= 0; shift -= 8)
            sct.push_back(static_cast<std::uint8_t>(timestamp_ms >> shift));
        put16(sct, 0);      // no CtExtensions
        sct.push_back(4);   // hash: sha256
        sct.push_back(3);   // signature: ecdsa
        // A DER ECDSA-Sig-Value shape (SEQUENCE of two INTEGERs) of filler bytes.
        const core::Bytes signature{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
        put16(sct, signature.size());
        sct.insert(sct.end(), signature.begin(), signature.end());
        put16(list, sct.size());
        list.insert(list.end(), sct.begin(), sct.end());
    }
    core::Bytes out;
    put16(out, list.size());
    out.insert(out.end(), list.begin(), list.end());
    return out;
}

}  // namespace tlsprobe::lab
