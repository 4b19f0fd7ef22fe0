// A request thread whose code cannot load: the engine must go on without threads.
throw new Error('this request worker is broken on purpose');
