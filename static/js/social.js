// social
