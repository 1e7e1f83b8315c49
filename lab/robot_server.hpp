// ROBOT lab servers (probe/checks/robot.*): the cipher-policy server (lab/hello_servers.hpp)
// with a real RSA certificate of the test PKI, which decrypts the client's ClientKeyExchange
// with the matching private key (raw RSA, the PKCS#1 v1.5 checks written out here) and then
// answers the way one kind of server did in 2017. Nothing else of the handshake is real: no
// key is derived, and every Finished is "wrong".
#pragma once

#include "lab/hello_servers.hpp"

namespace tlsprobe::lab {

enum class RobotBehaviour {
    // Checks only the 00 02 prefix, and resets the connection (RST) at once when it is wrong;
    // any other message waits for the Finished and gets alert bad_record_mac (20). A strong
    // oracle (the malformed paddings are told apart).
    strong_oracle,
    // Checks the whole PKCS#1 v1.5 format (00 02, 8+ non-zero bytes, a 00 leaving 48 bytes)
    // and answers a non-conforming message at once with alert decrypt_error (51); conforming
    // ones wait for the Finished (bad_record_mac). A weak oracle.
    weak_oracle,
    // As RFC 5246 §7.4.7.1 asks: whatever the padding, a random pre-master secret is used
    // and the Finished gets bad_record_mac; without a Finished it waits. No oracle.
    uniform,
};

// `policy.certificate` is replaced by testcerts/good.leaf.pem (RSA 2048), whose key
// (testcerts/good.key) decrypts. Then FIN.
RawScript robot_server(CipherPolicy policy, RobotBehaviour behaviour);

}  // namespace tlsprobe::lab
