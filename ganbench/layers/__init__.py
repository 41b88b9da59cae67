"""Building blocks of member networks: layers whose every parameter and buffer has a leading member
axis (S, …), so S independent networks run as one module (see ``ganbench.contracts.network``)."""
