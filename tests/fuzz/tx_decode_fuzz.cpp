// libFuzzer target: Transaction::Decode on arbitrary bytes. Whatever decodes must re-encode to
// exactly the input (one encoding per value), and the stateless checks and signature
// verification must not crash on it.
#include <cstdint>
#include <cstdlib>

#include "protocol/transaction.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  aitbc::core::ByteView input(data, size);
  auto tx = aitbc::protocol::Transaction::Decode(input);
  if (!tx.ok()) return 0;
  aitbc::core::Bytes encoded = tx->Encode();
  if (encoded != aitbc::core::Bytes(input.begin(), input.end())) std::abort();
  (void)tx->CheckWellFormed();
  (void)tx->VerifySignatures();
  auto envelope = aitbc::protocol::TxEnvelope::FromBytes(input);
  if (!envelope.ok() || envelope->hash != aitbc::core::Sha256(input)) std::abort();
  return 0;
}
