"""Token-risk checks: each reports found, not_found or unknown with the read it rests on."""
