// The JSON answers of the coordinator's API for jobs and receipts (docs/api.md), built from the
// stored job record. Seed-compatible: the seed's fields keep the seed's names and forms.
//
// Contract: pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "coordinator/job.h"
#include "core/address.h"

namespace aitbc::coordinator {

// POST /v1/jobs: {"job_id","status","submitted_at","escrow":{...}}.
nlohmann::json SubmissionJson(const Job& job);
// GET /v1/jobs/{id}; with_result=false for listings.
nlohmann::json JobJson(const Job& job, bool with_result = true);
// GET /v1/receipts/{id} (the job must be completed).
nlohmann::json ReceiptJson(const Job& job, const core::Address& coordinator);

}  // namespace aitbc::coordinator
