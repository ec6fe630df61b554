"""Who may see and send what: role assignments (reference data the data team edits) and the
audit log of sign-ins, uploads and downloads."""
