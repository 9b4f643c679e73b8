// aitbc-node: the blockchain node. Everything is in src/node (node::Main).
#include "node/cli.h"

int main(int argc, char** argv) { return aitbc::node::Main(argc, argv); }
