// Initiates a one-member replica set (idempotent), so the store's change-safe sequences and
// leases run as they will in production.
try {
  rs.status();
} catch (e) {
  rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'mongo:27017' }] });
}
