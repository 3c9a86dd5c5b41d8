package store

// ServiceData is the data of the transactional services 9 (SIK issuance) and 10 (pension-fund
// statement). Migrations 100–199.
type ServiceData interface{}
