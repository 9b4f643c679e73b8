// libFuzzer target: Block::Decode on arbitrary bytes. Whatever decodes must re-encode to
// exactly the input, and its transactions and signature checks must not crash.
#include <cstdint>
#include <cstdlib>

#include "protocol/block.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  aitbc::core::ByteView input(data, size);
  auto block = aitbc::protocol::Block::Decode(input);
  if (!block.ok()) return 0;
  if (block->Encode() != aitbc::core::Bytes(input.begin(), input.end())) std::abort();
  if (block->header.tx_count != block->txs.size()) std::abort();
  if (aitbc::protocol::TxRoot(block->txs) != block->header.tx_root) std::abort();
  (void)block->VerifySignature();
  for (const auto& tx : block->txs) {
    if (tx.tx.Encode() != tx.bytes) std::abort();
    (void)tx.tx.CheckWellFormed();
    (void)tx.tx.VerifySignatures();
  }
  return 0;
}
