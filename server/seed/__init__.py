"""Synthetic Quebec data: demo institutions and staff (`staff`), deterministic patients
(`generate.patients`), and the bulk loader behind `clinicdesk-server seed` (`load`)."""
