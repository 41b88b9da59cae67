"""ganbench: which GAN loss and alternation schedule train your data most stably?"""

__version__ = "0.1.0"
