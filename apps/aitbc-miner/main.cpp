// aitbc-miner: receives jobs from a coordinator, runs inference (Ollama, an OpenAI-compatible
// server or the simulator), signs proofs. All the work is in src/miner (app.h).
#include "miner/app.h"

int main(int argc, char** argv) { return aitbc::miner::RunMinerMain(argc, argv); }
