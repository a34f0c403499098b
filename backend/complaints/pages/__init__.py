"""The complaint pages (thin handlers over the topic modules and queries): the filer's
(`filer`), the handlers' (`staff`) and the public questions and answers (`public`)."""
