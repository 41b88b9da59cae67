"""Data for the dataset plugins: the bundled sets (nothing downloaded), readers of the user's files
(IDX, CIFAR batches, image folders), pixel ranges, and the held and stacked dataset bases."""
