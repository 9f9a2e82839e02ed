"""The request desk: patients' data requests, stored with an audit trail and mailed to the
clinic through a transactional outbox."""
