package store

// Queue is the gateway's durable queue of async-channel messages. Migrations 300–399.
type Queue interface{}
