package store

// Requests are the service requests that ГЦВП accepted and their recorded steps.
// Migrations 200–299.
type Requests interface{}
