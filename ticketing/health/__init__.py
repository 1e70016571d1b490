"""Health checks for load balancers and orchestrators."""
