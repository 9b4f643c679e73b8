// The aitbc-node command line (CLI11): `init`, `start`, `check` (docs/node.md, "Running").
// Exit status: 0 on success, 1 on an error (printed to stderr), 2 on a usage error.
#pragma once

namespace aitbc::node {

int Main(int argc, char** argv);

}  // namespace aitbc::node
